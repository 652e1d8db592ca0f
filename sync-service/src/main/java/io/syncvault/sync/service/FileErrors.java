package io.syncvault.sync.service;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Says what went wrong with a local file in words a run's result can show: the file system
 * exceptions of java.nio carry little more than the path in their message.
 */
final class FileErrors {

    private FileErrors() {
    }

    /** What happened, without the path: "permission denied", "no such file or folder", ... */
    static String what(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** What happened and to which file, for any exception a step can end with. */
    static String describe(Exception e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return what(f) + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")");
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
