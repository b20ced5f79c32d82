package io.github.dl4jcoded.training;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import io.github.dl4jcoded.code.CodeFactory;
import io.github.dl4jcoded.decode.DecoderFactory;
import io.github.dl4jcoded.frame.FrameFactory;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;

/**
 * The JSON of a configuration's components: a built-in component is its enum name ("LOW_RANK"),
 * a user's own is its class name, rebuilt with the class's public no-argument constructor, as
 * DL4J names custom layers in its own configuration JSON.
 */
final class ComponentJson {
    private ComponentJson() {
    }

    static final class Writer extends JsonSerializer<Object> {
        @Override
        public void serialize(Object value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value instanceof Enum<?> e ? e.name() : value.getClass().getName());
        }
    }

    /** Reads a component of type {@code type}: a name of {@code builtIns}, or a class name. */
    abstract static class Reader<T, E extends Enum<E>> extends JsonDeserializer<T> {
        private final Class<T> type;
        private final Class<E> builtIns;

        Reader(Class<T> type, Class<E> builtIns) {
            this.type = type;
            this.builtIns = builtIns;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return type.cast(ctxt.handleUnexpectedToken(type, p));
            }
            String name = p.getText();
            for (E e : builtIns.getEnumConstants()) {
                if (e.name().equals(name)) {
                    return type.cast(e);
                }
            }
            if (!name.contains(".")) {
                throw ctxt.weirdStringException(name, type, "not one of " + java.util.Arrays.toString(builtIns.getEnumConstants())
                        + " and not a class name");
            }
            try {
                Class<?> c = Class.forName(name);
                if (!type.isAssignableFrom(c)) {
                    throw ctxt.weirdStringException(name, type, "class does not implement " + type.getSimpleName());
                }
                return type.cast(c.getConstructor().newInstance());
            } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
                     | InvocationTargetException e) {
                throw ctxt.weirdStringException(name, type, "cannot make a " + type.getSimpleName()
                        + " with a public no-argument constructor: " + e);
            }
        }
    }

    static final class Frames extends Reader<FrameFactory, CodedTrainingConfig.FrameKind> {
        Frames() {
            super(FrameFactory.class, CodedTrainingConfig.FrameKind.class);
        }
    }

    static final class Codes extends Reader<CodeFactory, CodedTrainingConfig.CodeKind> {
        Codes() {
            super(CodeFactory.class, CodedTrainingConfig.CodeKind.class);
        }
    }

    static final class Decoders extends Reader<DecoderFactory, CodedTrainingConfig.DecoderKind> {
        Decoders() {
            super(DecoderFactory.class, CodedTrainingConfig.DecoderKind.class);
        }
    }

    static final class Engines extends Reader<WorkerEngine, CodedTrainingConfig.EngineKind> {
        Engines() {
            super(WorkerEngine.class, CodedTrainingConfig.EngineKind.class);
        }
    }
}
