package dev.lanyard.cli;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a command's audit events go: always the logger {@code lanyard.audit} ({@link AuditSink#slf4j()}; the CLI's
 * slf4j-simple writes it to stderr, never stdout), and with {@code --audit-log FILE} that file too, each event one line
 * of JSON ({@link AuthorityEvent#toJson()}) appended with a single write, so that several processes can share one
 * file. The file is created with mode 0600; an existing one must be a regular file (not a link) that group and others
 * cannot write, or the command fails before it changes anything. A line that cannot be written fails its
 * {@code record} call, which the authority logs at WARN without failing the issuance.
 *
 * <p>Thread-safe: the logger is, and each line is one positional-free append to the channel.
 */
final class CliAudit implements AuditSink, AutoCloseable {
  private static final AuditSink LOGGER = AuditSink.slf4j();

  private final @Nullable FileChannel file;

  private CliAudit(@Nullable FileChannel file) {
    this.file = file;
  }

  /** The trail to the logger and, when {@code path} is not null, to that file (opened for appending now). */
  static CliAudit open(@Nullable Path path) {
    return new CliAudit(path == null ? null : openFile(path));
  }

  private static FileChannel openFile(Path path) {
    String name = "--audit-log " + path;
    if (Files.isSymbolicLink(path)) {
      throw new CliException(name + " is a symbolic link: give the file itself");
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new CliException(name + " is a directory");
    }
    boolean posix = CliFiles.isPosix(path.toAbsolutePath());
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    FileChannel channel;
    try {
      channel = posix ? FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(CliFiles.SECRET))
          : FileChannel.open(path, options);
    } catch (NoSuchFileException e) {
      throw new CliException("cannot open " + name + ": its directory does not exist");
    } catch (AccessDeniedException e) {
      throw new CliException("cannot open " + name + ": permission denied");
    } catch (FileSystemException e) {
      throw new CliException("cannot open " + name + ": " + e.getReason());
    } catch (IOException e) {
      throw new CliException("cannot open " + name + ": " + e.getMessage());
    }
    boolean usable = false;
    try {
      if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        throw new CliException(name + " is not a regular file");
      }
      if (posix) {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
          throw new CliException(name + " is writable by group or others, who could forge or erase its lines "
              + "(chmod go-w it)");
        }
      }
      usable = true;
      return channel;
    } catch (IOException e) {
      throw new CliException("cannot open " + name + ": " + e.getMessage());
    } finally {
      if (!usable) {
        closeQuietly(channel);
      }
    }
  }

  @Override
  public void record(AuditEvent event) {
    LOGGER.record(event);
    append(event.toJson());
  }

  @Override
  public void recordAuthority(AuthorityEvent event) {
    LOGGER.recordAuthority(event);
    append(event.toJson());
  }

  private void append(String json) {
    FileChannel channel = file;
    if (channel == null) {
      return;
    }
    // toJson() is printable ASCII: one byte per character, and no line break inside.
    ByteBuffer line = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.US_ASCII));
    try {
      while (line.hasRemaining()) {
        channel.write(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the audit log", e);
    }
  }

  /** Forces the file's lines to disk and closes it. */
  @Override
  public void close() {
    FileChannel channel = file;
    if (channel == null) {
      return;
    }
    try {
      channel.force(true);
    } catch (IOException e) {
      // closed below; the lines were written
    } finally {
      closeQuietly(channel);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to add
    }
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return file == null ? "CliAudit[lanyard.audit]" : "CliAudit[lanyard.audit, file]";
  }
}
