package dev.lanyard.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lanyard} command line. Exit codes: 0 success, 1 a credential was rejected (or could not be decoded),
 * 2 usage or configuration errors (bad flag, unreadable bundle, missing authority), with a message on stderr and
 * never a stack trace.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(name = "lanyard", mixinStandardHelpOptions = true, versionProvider = Lanyard.Version.class,
    description = "Workload identity for microservices: SPIFFE authorities, JWT-SVIDs, X.509-SVIDs, bundles.",
    subcommands = {AuthorityCommand.class, JwtCommand.class, X509Command.class, GovernanceCommands.Graph.class, GovernanceCommands.PolicyCommand.class, GovernanceCommands.InventoryCommand.class})
public final class Lanyard implements Runnable {
  /** Exit code of a rejected credential. */
  static final int REJECTED = 1;
  /** Exit code of a usage or configuration error. */
  static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Where commands read a token from when none is given on the command line. */
  private final InputStream stdin;
  /** What every command judges time by: minting, issuing, verifying and "expires in" alike. */
  private final Clock clock;

  Lanyard(InputStream stdin, Clock clock) {
    this.stdin = Objects.requireNonNull(stdin, "stdin");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The standard input of the command line that runs {@code spec}'s command. */
  static InputStream stdin(CommandLine.Model.CommandSpec spec) {
    return root(spec).stdin;
  }

  /** The clock of the command line that runs {@code spec}'s command. */
  static Clock clock(CommandLine.Model.CommandSpec spec) {
    return root(spec).clock;
  }

  private static Lanyard root(CommandLine.Model.CommandSpec spec) {
    return (Lanyard) spec.root().userObject();
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams on the system UTC clock and returns the exit code. */
  static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
    return run(args, in, out, err, Clock.systemUTC());
  }

  /** Runs the command line with the given streams on {@code clock} and returns the exit code. */
  static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err, Clock clock) {
    CommandLine cli = new CommandLine(new Lanyard(in, clock));
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(false);
    cli.setExecutionExceptionHandler((e, command, parseResult) -> {
      command.getErr().println("lanyard: " + describe(e));
      command.getErr().flush();
      return USAGE;
    });
    CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
    cli.setExecutionStrategy(parseResult -> {
      // picocli lets --help win over an unknown command ("lanyard nope --help" would print the root's help and
      // succeed); an unknown command or argument is a usage error whatever else is on the line.
      for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
        if (!pr.unmatched().isEmpty()) {
          throw new CommandLine.UnmatchedArgumentException(pr.commandSpec().commandLine(), pr.unmatched());
        }
      }
      return runLast.execute(parseResult);
    });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** Prints the version of the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Lanyard.class.getPackage().getImplementationVersion();
      return new String[] {"lanyard " + (v == null ? "development build" : v)};
    }
  }
}
