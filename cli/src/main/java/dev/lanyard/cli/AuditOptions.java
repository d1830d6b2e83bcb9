package dev.lanyard.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The audit option of the commands that change an authority or issue with it ({@code authority init}, {@code bundle},
 * {@code rotate}, {@code serve}, {@code jwt mint}, {@code x509 issue}), shared as a picocli mixin. Their authority
 * events always go to the logger {@code lanyard.audit} (stderr); {@code --audit-log} appends them to a file as well.
 *
 * <p>Not thread-safe: picocli fills one instance per command line.
 */
final class AuditOptions {
  @Option(names = "--audit-log", paramLabel = "FILE",
      description = "Also append the authority's audit events (credentials minted or issued, keys and CAs prepared, "
          + "activated, tainted, retired; never a token or key) to FILE, one JSON object per line; created with mode "
          + "0600. They always go to stderr too (logger lanyard.audit); stdout stays the command's output only.")
  @Nullable Path auditLog;

  /** The audit trail of this command line; close it when the command is done. */
  CliAudit open() {
    return CliAudit.open(auditLog);
  }
}
