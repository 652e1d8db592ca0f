package io.syncvault.storage.rest;

import io.syncvault.platform.ProblemException;
import io.syncvault.platform.Roles;
import io.syncvault.storage.ObjectInfo;
import io.syncvault.storage.ObjectListing;
import io.syncvault.storage.StoredObject;
import io.syncvault.storage.service.ObjectRead;
import io.syncvault.storage.service.ObjectService;
import io.syncvault.storage.service.PutRequest;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The object API of one store: streamed PUT and GET, HEAD, conditional DELETE and paged
 * listing. Thin: parses headers, calls {@link ObjectService}, writes headers back.
 */
@Path("/v1/stores/{store}")
public class ObjectResource {

    public static final String META_HEADER = "X-SyncVault-Meta-";
    public static final String COPY_SOURCE = "X-SyncVault-Copy-Source";
    private static final Logger LOG = Logger.getLogger(ObjectResource.class);
    private static final int MAX_USER_METADATA = 2048;

    private final ObjectService objects;

    public ObjectResource(ObjectService objects) {
        this.objects = objects;
    }

    @PUT
    @Path("objects/{key: .+}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.WRITE)
    public Response put(@PathParam("store") String store, @PathParam("key") String routedKey, InputStream body,
            @Context HttpHeaders headers, @Context SecurityContext security, @Context HttpServerRequest http) {
        String key = RawKey.of(http, "objects", routedKey);
        String ifNoneMatch = headers.getHeaderString("If-None-Match");
        if (ifNoneMatch != null && !ifNoneMatch.trim().equals("*")) {
            throw ProblemException.badRequest("If-None-Match supports only *");
        }
        PutRequest request = new PutRequest(store, key, body, contentLength(headers), versionTag(headers.getHeaderString("If-Match")),
                ifNoneMatch != null, headers.getHeaderString("X-SyncVault-Sha256"),
                longHeader(headers, "X-SyncVault-Mtime"), headers.getHeaderString("X-SyncVault-Origin"),
                userMetadata(headers), keepVersions(headers), actor(security));
        String copySource = headers.getHeaderString(COPY_SOURCE);
        ObjectInfo info = copySource == null ? objects.put(request) : copy(copySource, headers, request);
        return Response.status(201).entity(StoredObject.of(info)).tag(info.versionTag()).build();
    }

    /**
     * A PUT with {@code X-SyncVault-Copy-Source: <percent-encoded key>} and no body copies that object of the
     * store to the key (server-side: the client sends no bytes), under
     * {@code X-SyncVault-Copy-Source-If-Match: "<tag>"} when given, like S3's x-amz-copy-source.
     */
    private ObjectInfo copy(String encodedSource, HttpHeaders headers, PutRequest request) {
        if (request.contentLength() > 0 || headers.getHeaderString("X-SyncVault-Sha256") != null || hasBody(request)) {
            throw ProblemException.badRequest(COPY_SOURCE + " copies an object: the request has no body and no SHA-256");
        }
        String source;
        try {
            source = URLDecoder.decode(encodedSource.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(COPY_SOURCE + " must be a percent-encoded key");
        }
        return objects.copy(source, versionTag(headers.getHeaderString(COPY_SOURCE + "-If-Match")), request);
    }

    /** Whether a body came, even one sent without a length (chunked). */
    private static boolean hasBody(PutRequest request) {
        try {
            return request.body() != null && request.body().read() >= 0;
        } catch (IOException e) {
            throw ProblemException.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    @GET
    @Path("objects/{key: .+}")
    @Produces(MediaType.WILDCARD)
    @RolesAllowed(Roles.READ)
    public Response get(@PathParam("store") String store, @PathParam("key") String routedKey,
            @QueryParam("version") String version, @HeaderParam("Range") String range,
            @Context HttpServerRequest connection) {
        String key = RawKey.of(connection, "objects", routedKey);
        ObjectRead read = objects.read(store, key, version, range);
        StreamingOutput body = out -> stream(read, out, connection);
        Response.ResponseBuilder response = Response.status(read.range() == null ? 200 : 206).entity(body);
        describe(response, read.info());
        response.header("Content-Length", read.length());
        if (read.range() != null) {
            response.header("Content-Range",
                    "bytes " + read.range().first() + "-" + read.range().last() + "/" + read.info().size());
        }
        return response.type(MediaType.APPLICATION_OCTET_STREAM_TYPE).build();
    }

    @HEAD
    @Path("objects/{key: .+}")
    @Produces(MediaType.WILDCARD)
    @RolesAllowed(Roles.READ)
    public Response head(@PathParam("store") String store, @PathParam("key") String routedKey,
            @QueryParam("version") String version, @Context HttpServerRequest http) {
        String key = RawKey.of(http, "objects", routedKey);
        ObjectInfo info = objects.head(store, key, version);
        Response.ResponseBuilder response = Response.ok();
        describe(response, info);
        response.header("Content-Length", info.size());
        return response.type(MediaType.APPLICATION_OCTET_STREAM_TYPE).build();
    }

    @DELETE
    @Path("objects/{key: .+}")
    @RolesAllowed(Roles.WRITE)
    public Response delete(@PathParam("store") String store, @PathParam("key") String routedKey,
            @Context HttpHeaders headers, @Context SecurityContext security, @Context HttpServerRequest http) {
        String key = RawKey.of(http, "objects", routedKey);
        objects.delete(store, key, versionTag(headers.getHeaderString("If-Match")),
                headers.getHeaderString("X-SyncVault-Origin"), keepVersions(headers), actor(security));
        return Response.noContent().build();
    }

    @GET
    @Path("objects")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.READ)
    public ObjectListing list(@PathParam("store") String store, @QueryParam("prefix") String prefix,
            @QueryParam("delimiter") String delimiter, @QueryParam("cursor") String cursor,
            @QueryParam("limit") @DefaultValue("1000") int limit) {
        return objects.list(store, prefix, delimiter, cursor, limit);
    }

    /** Copies the body; a failure after the first byte closes the connection so the client cannot mistake a short body for a whole one. */
    private static void stream(ObjectRead read, OutputStream out, HttpServerRequest connection) throws IOException {
        try (read) {
            // The integrity check runs as the body ends. The last byte read is held back until the read after it
            // succeeds, so damage it finds leaves the body a byte short (never whole, even where the answer's
            // Content-Length is met by what was sent), and the first bytes are flushed at once, so that answer is
            // a 200 broken off, never a connection closed before any answer, which a client takes for an outage.
            copyHoldingTheLastByteBack(read.body(), out, new byte[1 << 16], true);
            out.flush();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("aborting the response for %s: %s", read.info().key(), e.getMessage());
            connection.connection().close();
            throw new StreamAbortedException(e);
        }
    }

    /**
     * Copies {@code in} to {@code out}, holding the last byte read back until the read after it has succeeded: a
     * check that runs as {@code in} ends (the integrity check) and fails leaves what was sent a byte short, never
     * whole. With {@code flushFirstBytes} the first bytes are flushed as soon as they are read.
     */
    static void copyHoldingTheLastByteBack(InputStream in, OutputStream out, byte[] buffer, boolean flushFirstBytes)
            throws IOException {
        int held = -1;
        boolean flush = flushFirstBytes;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n == 0) {
                continue;
            }
            if (held >= 0) {
                out.write(held);
            }
            out.write(buffer, 0, n - 1);
            held = buffer[n - 1] & 0xff;
            if (flush) {
                out.flush();
                flush = false;
            }
        }
        if (held >= 0) {
            out.write(held);
        }
    }

    static void describe(Response.ResponseBuilder response, ObjectInfo info) {
        response.tag(info.versionTag());
        response.header("X-SyncVault-Size", info.size());
        if (info.sha256() != null) {
            response.header("X-SyncVault-Sha256", info.sha256());
        }
        if (info.mtime() != null) {
            response.header("X-SyncVault-Mtime", info.mtime());
        }
        response.header("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(info.modified().atOffset(ZoneOffset.UTC)));
        response.header("Accept-Ranges", "bytes");
        info.metadata().forEach((name, value) -> response.header(META_HEADER + name, value));
    }

    static String versionTag(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String tag = header.trim();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        return tag;
    }

    static String actor(SecurityContext security) {
        return security.getUserPrincipal() == null ? null : security.getUserPrincipal().getName();
    }

    private static long contentLength(HttpHeaders headers) {
        Long length = longHeader(headers, "Content-Length");
        return length == null ? -1 : length;
    }

    static Integer keepVersions(HttpHeaders headers) {
        Long keep = longHeader(headers, "X-SyncVault-Keep-Versions");
        if (keep == null) {
            return null;
        }
        if (keep < 0 || keep > 1000) {
            throw ProblemException.badRequest("X-SyncVault-Keep-Versions must be between 0 and 1000");
        }
        return keep.intValue();
    }

    private static Long longHeader(HttpHeaders headers, String name) {
        return parseLong(name, headers.getHeaderString(name));
    }

    /** An optional integer parameter (header or batch entry field); 400 naming it when it is not one. */
    static Long parseLong(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(name + " must be an integer");
        }
    }

    private static Map<String, String> userMetadata(HttpHeaders headers) {
        Map<String, String> meta = new TreeMap<>();
        int total = 0;
        for (Map.Entry<String, List<String>> h : headers.getRequestHeaders().entrySet()) {
            if (h.getKey().regionMatches(true, 0, META_HEADER, 0, META_HEADER.length())) {
                String name = h.getKey().substring(META_HEADER.length()).toLowerCase();
                if (!name.matches("[a-z0-9][a-z0-9_-]*")) {
                    throw ProblemException.badRequest("metadata names are letters, digits, '-' and '_'");
                }
                String value = String.join(",", h.getValue());
                total += name.length() + value.length();
                meta.put(name, value);
            }
        }
        if (total > MAX_USER_METADATA) {
            throw ProblemException.badRequest("user metadata is limited to " + MAX_USER_METADATA + " bytes");
        }
        return meta;
    }
}
