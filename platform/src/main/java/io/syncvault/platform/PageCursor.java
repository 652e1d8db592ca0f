package io.syncvault.platform;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The opaque {@code cursor} of a paged listing: the sort key of the last item of a page (one or more parts), so the
 * next page starts after it whatever was added or removed in between. Clients pass back the {@code nextCursor}
 * they were given; anything else is answered with 400.
 */
public final class PageCursor {

    private static final String SEPARATOR = "\n";

    private PageCursor() {
    }

    /** The cursor that names these parts of a sort key (a part of a key made of several holds no line break). */
    public static String of(String... parts) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join(SEPARATOR, parts).getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code count} parts of {@code cursor}, or null for none (the first page); 400 when it is not one of ours. */
    public static String[] parts(String cursor, int count) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(SEPARATOR, count);
        } catch (IllegalArgumentException e) {
            throw notOurs();
        }
        if (parts.length != count) {
            throw notOurs();
        }
        return parts;
    }

    private static ProblemException notOurs() {
        return ProblemException.badRequest("cursor is not one this service returned");
    }

    /** The sort key of a listing by time, ties broken by id. */
    public record TimeAndId(Instant at, UUID id) {

        /** The cursor for a page that ends with this key. */
        public String cursor() {
            return of(at.toString(), id.toString());
        }

        /** The key in {@code cursor}, or null for none (the first page); 400 when it is not one of ours. */
        public static TimeAndId in(String cursor) {
            String[] parts = parts(cursor, 2);
            if (parts == null) {
                return null;
            }
            try {
                return new TimeAndId(Instant.parse(parts[0]), UUID.fromString(parts[1]));
            } catch (RuntimeException e) {
                throw notOurs();
            }
        }
    }
}
