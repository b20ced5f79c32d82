#!/usr/bin/env bash
# The GPU kit: build the kernels, pack what a GPU machine without Java needs, run the GPU check.
#
#   bash cuda-kernels/gpu-kit.sh kernels   nvcc -> cuda-kernels/target/kernels (PTX for compute_80,
#                                          cubins for sm_80 and sm_90); says so and succeeds without nvcc
#   bash cuda-kernels/gpu-kit.sh pack      kernels + jars + the Java 22+ binding + a jlink'd runtime
#                                          (java.base only) -> cuda-kernels/target/gpu-kit (at most 60 MiB)
#   bash cuda-kernels/gpu-kit.sh check     runs the kit's check here (needs a GPU and its driver);
#                                          on a GPU machine without Java: cd gpu-kit && ./run.sh
#
# pack needs a JDK 22 or newer (for jlink and the Foreign Function and Memory API): JAVA22_HOME if
# set, else the first such JDK under /usr/lib/jvm. Extra Maven arguments: MAVEN_ARGS (e.g. -o).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="$here/target"
src="$here/src/main/cuda"

kernels() {
  if ! command -v nvcc >/dev/null 2>&1; then
    echo "gpu-kit: nvcc not found: CUDA kernels not built (the CPU path needs none)"
    return 0
  fi
  local out="$target/kernels"
  mkdir -p "$out"
  # Rebuild only when a source changed.
  if [ -f "$out/coded_kernels.ptx" ] && [ -z "$(find "$src" -newer "$out/coded_kernels.ptx" -type f)" ]; then
    return 0
  fi
  local flags=(-O3 -std=c++17 -lineinfo)
  nvcc "${flags[@]}" -arch=compute_80 -ptx -o "$out/coded_kernels.ptx" "$src/coded_kernels.cu"
  # Cubins for the architectures this nvcc knows (older ones lack sm_90); the PTX serves the rest.
  local archs; archs="$(nvcc --list-gpu-arch 2>/dev/null || true)"
  for sm in 80 90; do
    if grep -q "compute_$sm" <<<"$archs"; then
      nvcc "${flags[@]}" -arch=sm_$sm -cubin -o "$out/coded_kernels.sm_$sm.cubin" "$src/coded_kernels.cu"
    else
      echo "gpu-kit: this nvcc cannot build sm_$sm; the PTX will be JIT-compiled there"
    fi
  done
  echo "gpu-kit: kernels built in ${out#$root/} ($(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/nvcc \1/p'))"
}

jdk22() {
  local cand
  for cand in "${JAVA22_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/jlink" ] || continue
    local v
    v="$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    if [ "${v%%.*}" -ge 22 ] 2>/dev/null; then echo "$cand"; return 0; fi
  done
  echo "gpu-kit: pack needs a JDK 22 or newer (set JAVA22_HOME)" >&2
  return 1
}

pack() {
  kernels
  [ -f "$target/kernels/coded_kernels.ptx" ] || { echo "gpu-kit: no kernels (nvcc missing?)" >&2; exit 1; }
  local jdk; jdk="$(jdk22)"
  (cd "$root" && mvn -B -q ${MAVEN_ARGS:-} -pl cuda-kernels -am install -DskipTests)
  (cd "$root" && mvn -B -q ${MAVEN_ARGS:-} -pl cuda-kernels dependency:copy-dependencies \
      -DincludeArtifactIds=slf4j-api,slf4j-simple,jackson-databind,jackson-core,jackson-annotations -DincludeScope=test -DoutputDirectory="$target/kit-deps")
  local classes="$target/java22-classes"
  rm -rf "$classes" && mkdir -p "$classes"
  local cp="$root/dl4j-coded/target/dl4j-coded-0.1.0-SNAPSHOT.jar:$target/dl4j-coded-cuda-kernels-0.1.0-SNAPSHOT.jar:$target/kit-deps/*"
  "$jdk/bin/javac" --release 22 -cp "$cp" -d "$classes" $(find "$here/src/main/java22" -name '*.java')
  local kit="$target/gpu-kit"
  rm -rf "$kit" && mkdir -p "$kit/lib" "$kit/kernels"
  "$jdk/bin/jar" --create --file "$kit/lib/dl4j-coded-cuda-ffm.jar" -C "$classes" .
  cp "$root/dl4j-coded/target/dl4j-coded-0.1.0-SNAPSHOT.jar" "$target/dl4j-coded-cuda-kernels-0.1.0-SNAPSHOT.jar" "$target"/kit-deps/*.jar "$kit/lib/"
  cp "$target"/kernels/* "$kit/kernels/"
  "$jdk/bin/jlink" --add-modules java.base --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$kit/runtime"
  cat > "$kit/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the GPU check with the kit's own Java runtime: ./run.sh [OUT_CSV]
set -euo pipefail
cd "$(dirname "$0")"
exec ./runtime/bin/java --enable-native-access=ALL-UNNAMED -Xmx12g -cp 'lib/*' \
  io.github.dl4jcoded.cuda.ffm.GpuCheck kernels "${1:-gpu-check.csv}"
RUN
  chmod +x "$kit/run.sh"
  local mib=$(( $(du -sb "$kit" | cut -f1) / 1048576 ))
  echo "gpu-kit: packed ${kit#$root/} ($mib MiB)"
  if [ "$mib" -gt 60 ]; then echo "gpu-kit: the kit is over 60 MiB" >&2; exit 1; fi
}

case "${1:-}" in
  kernels) kernels ;;
  pack) pack ;;
  check) pack; "$target/gpu-kit/run.sh" "$target/gpu-check.csv" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
