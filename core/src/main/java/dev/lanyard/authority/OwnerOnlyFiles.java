package dev.lanyard.authority;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The file-system rules of an authority's directory: what may be trusted (owned by the current user, not writable by
 * group or others, private keys not readable by them), owner-only directories created in one step, and files written
 * to a temporary file and atomically moved into place. Owners and modes are checked on POSIX file systems only.
 *
 * <p>Thread-safe: immutable.
 */
final class OwnerOnlyFiles {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final boolean posix;

  OwnerOnlyFiles(Path dir) {
    this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  boolean posix() {
    return posix;
  }

  void writeAtomically(Path target, byte[] content, boolean secret) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong())
        + ".tmp");
    try {
      if (posix) {
        FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        Files.createFile(temp, mode);
      } else {
        Files.createFile(temp);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(content));
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
      if (secret) {
        Arrays.fill(content, (byte) 0);
      }
    }
  }

  /**
   * Creates {@code path} (and missing parents) with mode 0700 set by the creating call itself; false when something
   * already exists there (then nothing was created or changed).
   */
  boolean createOwnerOnlyDirectory(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      if (posix) {
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(path);
      }
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /** What a checked path is: what the message calls it, whether group and others may read it, the mode to suggest. */
  enum Role {
    DIRECTORY("authority directory", true, "700"),
    METADATA_FILE("authority file", true, "644"),
    KEY_FILE("key file", false, "600");

    final String label;
    final boolean othersMayRead;
    final String fix;

    Role(String label, boolean othersMayRead, String fix) {
      this.label = label;
      this.othersMayRead = othersMayRead;
      this.fix = fix;
    }
  }

  /**
   * Refuses (POSIX file systems only) a path the current user does not own, or that group or others may write, or,
   * for a private key, read: another user could swap in their keys or read ours. Symbolic links are followed, as
   * reading does.
   *
   * @throws NoSuchFileException when the path is missing, for the caller's own message
   */
  void checkTrusted(Path path, Role role) throws IOException {
    if (!posix) {
      return;
    }
    PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class);
    if (!FileOwners.isCurrentUser(path, attributes.owner())) {
      throw new AuthorityStoreException(role.label + " " + path + " is owned by " + attributes.owner().getName()
          + ", not by the current user " + FileOwners.currentUserName() + ": refusing to use it, as its owner could "
          + "replace the authority's keys; use " + (role == Role.DIRECTORY ? "a directory" : "an authority")
          + " of your own");
    }
    Set<PosixFilePermission> mode = attributes.permissions();
    boolean othersWrite = mode.contains(PosixFilePermission.GROUP_WRITE)
        || mode.contains(PosixFilePermission.OTHERS_WRITE);
    boolean othersRead = !role.othersMayRead && (mode.contains(PosixFilePermission.GROUP_READ)
        || mode.contains(PosixFilePermission.OTHERS_READ));
    if (othersWrite || othersRead) {
      throw new AuthorityStoreException(role.label + " " + path + " has mode " + octal(mode) + " (group/others may "
          + (othersWrite ? "write" : "read") + "): chmod " + role.fix + " " + path);
    }
  }

  /** {@code 0755} for rwxr-xr-x. */
  static String octal(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |= 1 << (8 - p.ordinal());
    }
    return String.format(Locale.ROOT, "%04o", bits);
  }

}
