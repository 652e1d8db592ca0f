package io.syncvault.gatewayhttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP relay between the service under test and the real gateway, which a test can cut to play a network
 * outage while the gateway itself stays up. The service is configured with the relay's address; the tests' own
 * calls to the gateway go to it directly.
 *
 * <p>The switch lives in system properties, so a test sees the same switch as the relay whatever class loader
 * each was loaded by: {@link #cut()} closes every connection as soon as it carries a byte and refuses new ones,
 * {@link #cutAfter(long)} lets that many more bytes through from the gateway and then cuts, {@link #stallAfter(long)}
 * lets that many through and then holds every byte from the gateway on open connections (a half-open connection:
 * nothing arrives, nothing is closed), {@link #breakOnceAfter(long)} lets that many through and then closes the one
 * connection that carries the next byte (a connection lost once), {@link #mend()} lets everything through again.
 */
public final class GatewayLink implements AutoCloseable {

    private static final String CUT = "syncvault.test.gateway-link.cut";
    private static final String CUT_AFTER = "syncvault.test.gateway-link.cut-after-bytes";
    private static final String STALL_AFTER = "syncvault.test.gateway-link.stall-after-bytes";
    private static final String BREAK_AFTER = "syncvault.test.gateway-link.break-after-bytes";

    private final ServerSocket server;
    private final int gatewayPort;

    private GatewayLink(ServerSocket server, int gatewayPort) {
        this.server = server;
        this.gatewayPort = gatewayPort;
    }

    /** Listens on a free local port and relays every connection to the gateway's port. */
    public static GatewayLink start(int gatewayPort) {
        try {
            GatewayLink link = new GatewayLink(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), gatewayPort);
            Thread accept = new Thread(link::acceptLoop, "gateway-link");
            accept.setDaemon(true);
            accept.start();
            return link;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the gateway link", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, no byte passes: connections are closed when they next carry one, new ones at once. */
    public static void cut() {
        synchronized (System.getProperties()) {
            System.clearProperty(CUT_AFTER);
            System.setProperty(CUT, "true");
            System.getProperties().notifyAll();
        }
    }

    /** Lets {@code bytes} more bytes through from the gateway, then cuts as {@link #cut()} does. */
    public static void cutAfter(long bytes) {
        synchronized (System.getProperties()) {
            System.clearProperty(CUT);
            System.setProperty(CUT_AFTER, String.valueOf(bytes));
        }
    }

    /**
     * Lets {@code bytes} more bytes through from the gateway, then passes none until {@link #mend()}, keeping the
     * connections open; a held connection is closed when the link is mended.
     */
    public static void stallAfter(long bytes) {
        synchronized (System.getProperties()) {
            mend();
            System.setProperty(STALL_AFTER, String.valueOf(bytes));
        }
    }

    /**
     * Lets {@code bytes} more bytes through from the gateway, then closes the connection that carries the next one;
     * every other byte, before and after, passes.
     */
    public static void breakOnceAfter(long bytes) {
        synchronized (System.getProperties()) {
            mend();
            System.setProperty(BREAK_AFTER, String.valueOf(bytes));
        }
    }

    /** True while a {@link #breakOnceAfter(long) break} is armed and has not happened yet. */
    public static boolean breakPending() {
        return System.getProperty(BREAK_AFTER) != null;
    }

    /** Lets everything through again. */
    public static void mend() {
        synchronized (System.getProperties()) {
            System.clearProperty(BREAK_AFTER);
            System.clearProperty(CUT);
            System.clearProperty(CUT_AFTER);
            System.clearProperty(STALL_AFTER);
            System.getProperties().notifyAll();
        }
    }

    /**
     * How many of {@code n} bytes from the gateway ({@code fromGateway}) or to it may pass now: all, the first few
     * (up to a stall), or -1 when the connection is to be closed. While stalled it waits, and after a stall the
     * connection is closed.
     */
    private static int allowance(int n, boolean fromGateway) {
        boolean held = false;
        while (true) {
            synchronized (System.getProperties()) {
                if (Boolean.getBoolean(CUT)) {
                    return -1;
                }
                String stall = System.getProperty(STALL_AFTER);
                if (held && stall == null) {
                    return -1; // mended: a connection held so long is of no use to anyone
                }
                long stallLeft = fromGateway && stall != null ? Long.parseLong(stall) : Long.MAX_VALUE;
                if (stallLeft > 0) {
                    int k = (int) Math.min(n, stallLeft);
                    if (stall != null && fromGateway) {
                        System.setProperty(STALL_AFTER, String.valueOf(stallLeft - k));
                    }
                    String breakAfter = System.getProperty(BREAK_AFTER);
                    if (breakAfter != null && fromGateway) {
                        long left = Long.parseLong(breakAfter);
                        if (left == 0) {
                            System.clearProperty(BREAK_AFTER);
                            return -1;
                        }
                        k = (int) Math.min(k, left);
                        System.setProperty(BREAK_AFTER, String.valueOf(left - k));
                    }
                    String after = System.getProperty(CUT_AFTER);
                    if (after == null || !fromGateway) {
                        return k;
                    }
                    long left = Long.parseLong(after) - k;
                    if (left < 0) {
                        cut();
                        return -1;
                    }
                    System.setProperty(CUT_AFTER, String.valueOf(left));
                    return k;
                }
                held = true;
                try {
                    // until the switch changes (mend, cut: they notify), looking again now and then
                    System.getProperties().wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (allowance(0, false) < 0) {
                    client.close();
                    continue;
                }
                Socket gateway = new Socket(InetAddress.getLoopbackAddress(), gatewayPort);
                pump(client, gateway, false);
                pump(gateway, client, true);
            } catch (IOException e) {
                // closed, or one connection failed: the next is accepted
            }
        }
    }

    private static void pump(Socket from, Socket to, boolean fromGateway) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[1 << 16];
            try (from; to) {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    for (int off = 0, k; off < n; off += k) {
                        k = allowance(n - off, fromGateway);
                        if (k < 0) {
                            return;
                        }
                        out.write(buffer, off, k);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the other side closed; closing both ends the connection
            }
        }, "gateway-link-" + (fromGateway ? "in" : "out"));
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        mend();
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
