package io.syncvault.sync.service;

import java.util.Map;

/**
 * Where paths live on disk when a name there is not in Unicode NFC. Keys and the journal name every path in NFC
 * (a name written decomposed, as macOS writes them and copies carry them, is the same name to a user); the local
 * file keeps the name it has. {@code files} maps a file's NFC path to its path on disk, {@code folders} a folder's
 * (one whose NFC name does not exist beside it), so that a new file under it lands in it, not in a second folder of
 * the same name. Both hold only the paths that differ.
 */
public record LocalNames(Map<String, String> files, Map<String, String> folders) {

    public static final LocalNames NONE = new LocalNames(Map.of(), Map.of());

    public LocalNames {
        files = Map.copyOf(files);
        folders = Map.copyOf(folders);
    }

    /** The path on disk of the NFC path {@code rel}: its own when nothing on the way is named otherwise there. */
    public String onDisk(String rel) {
        if (files.isEmpty() && folders.isEmpty()) {
            return rel;
        }
        String file = files.get(rel);
        if (file != null) {
            return file;
        }
        // the deepest folder named otherwise on disk; the folders under it are in the map themselves when they exist
        for (int slash = rel.lastIndexOf('/'); slash > 0; slash = rel.lastIndexOf('/', slash - 1)) {
            String folder = folders.get(rel.substring(0, slash));
            if (folder != null) {
                return folder + rel.substring(slash);
            }
        }
        return rel;
    }
}
