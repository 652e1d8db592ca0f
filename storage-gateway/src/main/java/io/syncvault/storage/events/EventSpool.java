package io.syncvault.storage.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.syncvault.storage.config.EventsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Events the broker refused, kept in a folder until it takes them: the gateway keeps no database, so this is its
 * outbox for the events that need one. One file per event, named so that names sort in the order the events were
 * kept, written under a temporary name, fsynced and renamed (a crash leaves a whole file or none). The folder is
 * made when the first event is kept.
 *
 * <p>Events on their way to the broker are noted here too ({@link #inFlight}): one file per request (all of a
 * batch's events), written before they are sent and removed once each was taken or kept. A file left by a process
 * that died meanwhile is turned into kept events at the next start, so they are sent again (some perhaps twice,
 * under their own ids). It is not fsynced: it covers a crash of the process, not a power loss.
 */
@ApplicationScoped
public class EventSpool {

    /** One event as it is sent: CloudEvents id, type, subject and time, and its JSON data. */
    public record Spooled(String id, String type, String subject, Instant time, String data) {
    }

    private static final Logger LOG = Logger.getLogger(EventSpool.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMP = ".tmp-";
    private static final String SUFFIX = ".json";
    private static final String IN_FLIGHT = "in-flight-";

    private final Path dir;
    private final AtomicLong sequence = new AtomicLong();

    @Inject
    public EventSpool(EventsConfig config) {
        this(Path.of(config.spool()));
    }

    EventSpool(Path dir) {
        this.dir = dir;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP + "*")) {
            for (Path t : temps) {
                Files.deleteIfExists(t); // an event being kept when the process died: never renamed, never announced
            }
        } catch (NoSuchFileException e) {
            // nothing kept yet
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event spool " + dir, e);
        }
        recoverInFlight();
    }

    /** Keeps the events a process that died had on their way to the broker (their in-flight files). */
    private void recoverInFlight() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, IN_FLIGHT + "*" + SUFFIX)) {
            all.forEach(files::add);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event spool " + dir, e);
        }
        files.sort(null);
        for (Path file : files) {
            try {
                JsonNode events = JSON.readTree(file.toFile());
                int n = 0;
                for (JsonNode e : events == null ? JSON.createArrayNode() : events) {
                    put(spooled(e, file));
                    n++;
                }
                Files.delete(file);
                LOG.warnf("%d event(s) were on their way to Kafka when the gateway stopped; kept, and sent again", n);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("events on their way to Kafka when the gateway stopped cannot be read from %s (%s); set aside",
                        file, e.toString());
                try {
                    setAside(file);
                } catch (IOException ignored) {
                    // left where it is: tried again at the next start
                }
            }
        }
    }

    /**
     * Notes {@code events} as on their way to the broker, until {@code settled} completes (each was taken, or kept by
     * {@link #keepIfRefused}). A note that cannot be written is logged: the events still go, as before there was one.
     */
    public void inFlight(List<Spooled> events, CompletableFuture<?> settled) {
        if (events.isEmpty()) {
            return;
        }
        Path file;
        try {
            Files.createDirectories(dir);
            String name = String.format("%s%020d-%012d%s", IN_FLIGHT, System.currentTimeMillis(), sequence.incrementAndGet(), SUFFIX);
            Path temp = dir.resolve(TEMP + name);
            List<Map<String, String>> body = new ArrayList<>(events.size());
            events.forEach(e -> body.add(fields(e)));
            Files.write(temp, JSON.writeValueAsBytes(body), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            file = Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot note %d event(s) on their way to Kafka in %s (%s); a crash before the broker takes them"
                    + " would lose them", events.size(), dir, e.toString());
            return;
        }
        settled.whenComplete((done, failure) -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("cannot remove %s (%s); its events will be sent again at the next start", file, e.toString());
            }
        });
    }

    /** How many in-flight files there are (one per request whose events are on their way; tests). */
    public int inFlightFiles() {
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, IN_FLIGHT + "*" + SUFFIX)) {
            int n = 0;
            for (Path ignored : all) {
                n++;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * Keeps {@code event} once {@code acked} fails (the broker refused it or could not be reached in time); the future
     * returned completes once the event was taken or kept (or could not be).
     */
    public CompletableFuture<Void> keepIfRefused(CompletableFuture<Void> acked, Spooled event) {
        return acked.handle((done, failure) -> {
            if (failure != null) {
                try {
                    put(event);
                    LOG.warnf("event %s for %s refused by Kafka (%s); kept in %s, sent again from there", event.type(),
                            event.subject(), failure.toString(), dir);
                } catch (IOException | RuntimeException e) {
                    LOG.errorf(e, "event %s for %s refused by Kafka (%s) and could not be kept; it is lost", event.type(),
                            event.subject(), failure.toString());
                }
            }
            return null;
        });
    }

    /** Keeps one event, durably. */
    public void put(Spooled event) throws IOException {
        Files.createDirectories(dir);
        String name = String.format("%020d-%012d-%s%s", System.currentTimeMillis(), sequence.incrementAndGet(),
                event.id().replaceAll("[^A-Za-z0-9-]", "_"), SUFFIX);
        Path temp = dir.resolve(TEMP + name);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(fields(event)));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            folder.force(true);
        }
    }

    /** The kept events' files, oldest first, at most {@code limit}. */
    public List<Path> pending(int limit) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "[0-9]*" + SUFFIX)) {
            all.forEach(files::add);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        files.sort(null);
        return files.size() > limit ? files.subList(0, limit) : files;
    }

    /** How many events are kept. */
    public int size() {
        try {
            return pending(Integer.MAX_VALUE).size();
        } catch (IOException e) {
            return -1;
        }
    }

    public Spooled read(Path file) throws IOException {
        return spooled(JSON.readTree(file.toFile()), file);
    }

    private static Spooled spooled(JsonNode n, Path file) throws IOException {
        if (n == null || !n.hasNonNull("id") || !n.hasNonNull("type") || !n.hasNonNull("subject") || !n.hasNonNull("time")) {
            throw new IOException("not a kept event: " + file);
        }
        return new Spooled(n.get("id").asText(), n.get("type").asText(), n.get("subject").asText(),
                Instant.parse(n.get("time").asText()), n.path("data").asText(null));
    }

    private static Map<String, String> fields(Spooled event) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("id", event.id());
        body.put("type", event.type());
        body.put("subject", event.subject());
        body.put("time", event.time().toString());
        body.put("data", event.data());
        return body;
    }

    /** Forgets a kept event (the broker took it). */
    public void remove(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    /** Sets a file that is not a readable event aside (renamed, so it is neither sent nor lost). */
    public void setAside(Path file) throws IOException {
        Files.move(file, file.resolveSibling("unreadable-" + file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
}
