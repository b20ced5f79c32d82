package io.github.dl4jcoded.cluster;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class PeerLogTest {
    @Test
    void sanitizeEscapesWhatCouldBreakALineAndCutsLongStrings() {
        assertEquals("plain name-1", PeerLog.sanitize("plain name-1"));
        assertEquals("a\\u000ab\\u000dc\\u0009d", PeerLog.sanitize("a\nb\rc\td"));
        assertEquals("x\\u001b[31mred", PeerLog.sanitize("x\u001b[31mred")); // terminal escape
        assertEquals("a\\u2028b\\u200ec", PeerLog.sanitize("a\u2028b\u200ec")); // line separator, a format character
        assertEquals("back\\\\u000aslash", PeerLog.sanitize("back\\u000aslash")); // a written escape stays visibly written
        assertEquals("(none)", PeerLog.sanitize(null));
        String longName = "w".repeat(500);
        String shown = PeerLog.sanitize(longName);
        assertTrue(shown.startsWith("w".repeat(PeerLog.MAX_LENGTH) + "...(500 chars)"), shown);
        assertEquals(PeerLog.MAX_LENGTH + "...(500 chars)".length(), shown.length());
    }

    @Test
    void countLetsTheFirstLinesThroughThenOneInAHundred() {
        PeerLog p = new PeerLog();
        int logged = 0;
        for (int i = 1; i <= 1000; i++) {
            if (p.count()) logged++;
        }
        assertEquals(PeerLog.FIRST + 10, logged); // 1..20, then 100, 200, ..., 1000
        assertEquals(1000, p.events());
    }
}
