package io.syncvault.storage.rest;

import io.syncvault.platform.ProblemException;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Takes the object key from the request's raw path, segment by segment. The HTTP layer
 * merges '//' and resolves dot segments before routing, which would silently turn an invalid
 * key into another valid one; reading the raw path lets the key rules refuse it instead.
 */
final class RawKey {

    private RawKey() {
    }

    /** The key after {@code /v1/stores/<store>/<collection>/} in the raw path, else {@code routed}. */
    static String of(HttpServerRequest request, String collection, String routed) {
        String raw = request.path();
        if (raw == null) {
            return routed;
        }
        String[] parts = raw.split("/", 6);
        if (parts.length < 6 || !parts[0].isEmpty() || !parts[1].equals("v1") || !parts[2].equals("stores")
                || !parts[4].equals(collection)) {
            return routed;
        }
        String[] segments = parts[5].split("/", -1);
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                key.append('/');
            }
            key.append(decode(segments[i]));
        }
        return key.toString();
    }

    /** Strict percent-decoding of one path segment as UTF-8 ('+' stays '+'). */
    static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    throw ProblemException.badRequest("invalid percent-encoding in the key");
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ProblemException.badRequest("invalid percent-encoding in the key");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw ProblemException.badRequest("the key is not valid UTF-8");
        }
    }
}
