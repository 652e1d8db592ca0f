package io.syncvault.backup;

/**
 * A backup's stored data does not match its manifest, or is missing: names the part or file
 * concerned so an operator knows exactly what is bad.
 */
public class BackupCorruptException extends RuntimeException {

    private final String part;
    private final String file;

    public BackupCorruptException(String part, String file, String message) {
        super(message);
        this.part = part;
        this.file = file;
    }

    public BackupCorruptException(String part, String file, String message, Throwable cause) {
        super(message, cause);
        this.part = part;
        this.file = file;
    }

    /** The part concerned ({@code part-NNNNN}), or null. */
    public String part() {
        return part;
    }

    /** The archived path concerned, or null. */
    public String file() {
        return file;
    }
}
