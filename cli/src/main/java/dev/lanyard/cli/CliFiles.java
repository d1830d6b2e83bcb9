package dev.lanyard.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reading the CLI's input files (bounded, every failure a {@link CliException}) and writing its output files: never
 * over an existing file, each one complete or not at all (a temporary file in the same directory, forced to disk,
 * then renamed with {@code ATOMIC_MOVE}), secrets created with mode 0600 from the start.
 */
final class CliFiles {
  /** Owner read and write only: for private keys and the audit log. */
  static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

  private CliFiles() {}

  /** The bytes of {@code file} ({@code what} names it in messages), at most {@code max} of them. */
  static byte[] read(Path file, String what, int max) {
    try {
      if (Files.isDirectory(file)) {
        throw new CliException("cannot read " + what + " " + file + ": it is a directory");
      }
      if (Files.size(file) > max) {
        throw new CliException(what + " " + file + " is larger than " + max + " bytes");
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > max) {
        throw new CliException(what + " " + file + " is larger than " + max + " bytes");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new CliException("cannot read " + what + " " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new CliException("cannot read " + what + " " + file + ": permission denied");
    } catch (IOException e) {
      throw new CliException("cannot read " + what + " " + file + ": " + e.getMessage());
    }
  }

  /** True for content that is empty or only whitespace. */
  static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  /** Fails naming the first of {@code files} that exists (a dangling link counts). */
  static void refuseExisting(List<Path> files) {
    for (Path file : files) {
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new CliException("refusing to overwrite " + file + ": it already exists");
      }
    }
  }

  /** Creates {@code dir} (and missing parents) with mode 0700 when it is missing; it must be a directory. */
  static void ensureDirectory(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        return;
      }
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new CliException(dir + " exists and is not a directory");
      }
      if (isPosix(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new CliException("cannot create directory " + dir + ": " + e.getMessage());
    }
  }

  /** One file to write: its path, content and whether it is a secret (mode 0600). */
  record NewFile(Path path, byte[] content, boolean secret) {}

  /**
   * Writes new files, each atomically, none over an existing file. When one cannot be written, the files this call
   * already wrote are removed again and the failure is a {@link CliException} naming the file.
   */
  static void writeNew(List<NewFile> files) {
    refuseExisting(files.stream().map(NewFile::path).toList());
    Map<NewFile, Path> temporaries = new LinkedHashMap<>();
    List<Path> written = new ArrayList<>();
    try {
      for (NewFile file : files) {
        temporaries.put(file, writeTemporary(file));
      }
      for (Map.Entry<NewFile, Path> entry : temporaries.entrySet()) {
        Path target = entry.getKey().path();
        // Checked again just before the rename, which would silently replace a file created meanwhile.
        refuseExisting(List.of(target));
        try {
          Files.move(entry.getValue(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new CliException("cannot write " + target + ": the file system cannot rename atomically");
        } catch (IOException e) {
          throw new CliException("cannot write " + target + ": " + e.getMessage());
        }
        written.add(target);
      }
      temporaries.clear();
    } catch (RuntimeException e) {
      for (Path path : written) {
        deleteQuietly(path);
      }
      throw e;
    } finally {
      for (Path temporary : temporaries.values()) {
        deleteQuietly(temporary);
      }
    }
  }

  private static Path writeTemporary(NewFile file) {
    Path dir = file.path().toAbsolutePath().getParent();
    if (dir == null) {
      // Only a file system root has no parent; without this check the temporary file would land in java.io.tmpdir.
      throw new CliException("cannot write " + file.path() + ": it is not a file name");
    }
    String prefix = "." + file.path().getFileName() + ".";
    Path temporary;
    try {
      temporary = isPosix(dir)
          ? Files.createTempFile(dir, prefix, ".tmp", attribute(file.secret() ? SECRET : PUBLIC))
          : Files.createTempFile(dir, prefix, ".tmp");
    } catch (FileAlreadyExistsException e) {
      throw new CliException("cannot write " + file.path() + ": a temporary file name clashed; try again");
    } catch (IOException e) {
      throw new CliException("cannot write " + file.path() + ": " + e.getMessage());
    }
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(file.content());
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
      return temporary;
    } catch (IOException e) {
      deleteQuietly(temporary);
      throw new CliException("cannot write " + file.path() + ": " + e.getMessage());
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
    return PosixFilePermissions.asFileAttribute(permissions);
  }

  /** True when the file system of {@code path} has POSIX permissions. */
  static boolean isPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // best effort: the file is incomplete or ours, and the command fails anyway
    }
  }
}
