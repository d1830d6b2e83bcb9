package dev.lanyard.authority;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Whether a file belongs to the user this process runs as. By numeric user id where the JDK can tell it (Linux,
 * macOS: {@code com.sun.security.auth.module.UnixSystem} and the {@code unix:uid} file attribute), which works for
 * users without a name (containers running as a bare uid); otherwise by the principal named {@code user.name}.
 */
final class FileOwners {
  private static final long UID = currentUid();

  private FileOwners() {}

  static boolean isCurrentUser(Path path, UserPrincipal owner) throws IOException {
    if (UID >= 0 && path.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      Object uid = Files.getAttribute(path, "unix:uid");
      if (uid instanceof Integer) {
        return Integer.toUnsignedLong((Integer) uid) == UID;
      }
    }
    String name = System.getProperty("user.name");
    if (name == null) {
      return false;
    }
    try {
      return owner.equals(path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name));
    } catch (UserPrincipalNotFoundException e) {
      return false;
    }
  }

  /** For messages. */
  static String currentUserName() {
    String name = System.getProperty("user.name");
    return UID >= 0 ? name + " (uid " + UID + ")" : name;
  }

  private static long currentUid() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (LinkageError | RuntimeException e) {
      return -1;
    }
  }
}
