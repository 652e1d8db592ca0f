package io.syncvault.backup.support;

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
 * {@link #cutAfter(long)} lets that many more bytes through from the gateway and then cuts, {@link #mend()}
 * lets everything through again.
 */
public final class GatewayLink implements AutoCloseable {

    private static final String CUT = "syncvault.test.gateway-link.cut";
    private static final String CUT_AFTER = "syncvault.test.gateway-link.cut-after-bytes";

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
        }
    }

    /** Lets {@code bytes} more bytes through from the gateway, then cuts as {@link #cut()} does. */
    public static void cutAfter(long bytes) {
        synchronized (System.getProperties()) {
            System.clearProperty(CUT);
            System.setProperty(CUT_AFTER, String.valueOf(bytes));
        }
    }

    /** Lets everything through again. */
    public static void mend() {
        synchronized (System.getProperties()) {
            System.clearProperty(CUT);
            System.clearProperty(CUT_AFTER);
        }
    }

    /** Whether {@code n} bytes from the gateway ({@code fromGateway}) or to it may pass now. */
    private static boolean mayPass(int n, boolean fromGateway) {
        synchronized (System.getProperties()) {
            if (Boolean.getBoolean(CUT)) {
                return false;
            }
            String after = System.getProperty(CUT_AFTER);
            if (after == null || !fromGateway) {
                return true;
            }
            long left = Long.parseLong(after) - n;
            if (left < 0) {
                cut();
                return false;
            }
            System.setProperty(CUT_AFTER, String.valueOf(left));
            return true;
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (!mayPass(0, false)) {
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
                    if (!mayPass(n, fromGateway)) {
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
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
