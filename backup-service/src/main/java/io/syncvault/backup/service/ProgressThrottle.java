package io.syncvault.backup.service;

import java.time.Duration;

/** Lets an action through at most once per interval (progress rows and events). */
final class ProgressThrottle {

    private final long intervalNanos;
    private long last = System.nanoTime();

    ProgressThrottle(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    synchronized boolean due() {
        long now = System.nanoTime();
        if (now - last >= intervalNanos) {
            last = now;
            return true;
        }
        return false;
    }
}
