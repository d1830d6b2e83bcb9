package dev.lanyard.cli;

import dev.lanyard.graph.Finding;
import dev.lanyard.graph.GraphFormatException;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.InventoryReport;
import dev.lanyard.graph.PolicyReview;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.inventory.InventoryException;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The governance commands: {@code lanyard graph merge}, {@code lanyard policy review} and
 * {@code lanyard inventory report}. Every input file that cannot be read or parsed is exit 2 naming it; findings are
 * exit 0. The output holds SPIFFE IDs, rules and counts, never a credential.
 */
final class GovernanceCommands {
  /** Largest graph, policy or inventory file read. */
  static final int MAX_INPUT = 64 * 1024 * 1024;

  private GovernanceCommands() {}

  static GraphSnapshot readGraph(Path file) {
    String text = new String(CliFiles.read(file, "graph", MAX_INPUT), StandardCharsets.UTF_8);
    try {
      return GraphSnapshot.parseJson(text);
    } catch (GraphFormatException e) {
      throw new CliException("graph " + file + " is not a lanyard-graph/1 document: " + e.getMessage());
    }
  }

  static GraphSnapshot readGraphs(List<Path> files) {
    List<GraphSnapshot> graphs = new ArrayList<>();
    for (Path f : files) {
      graphs.add(readGraph(f));
    }
    return GraphSnapshot.merge(graphs);
  }

  /** Prints findings as text lines ({@code KIND: message}) or as one JSON object with {@code findings}. */
  static void print(CommandSpec spec, List<Finding> findings, boolean json, String header) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      StringBuilder sb = new StringBuilder("{\"findings\":[");
      for (int i = 0; i < findings.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(findings.get(i).toJson());
      }
      out.println(sb.append("],\"count\":").append(findings.size()).append('}'));
    } else {
      out.println(header + ": " + findings.size() + " finding" + (findings.size() == 1 ? "" : "s"));
      for (Finding f : findings) {
        out.println(f.kind() + ": " + printable(f.message()));
      }
    }
    out.flush();
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }

  /** {@code lanyard graph}. */
  @Command(name = "graph", mixinStandardHelpOptions = true, description = "Combine and export trust graphs.",
      subcommands = {Graph.Merge.class})
  static final class Graph implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: merge");
    }

    /** {@code lanyard graph merge}. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge services' graphs (lanyard-graph/1 JSON) into the estate map.",
            "Exit 0 when written, 2 for usage errors and unreadable or invalid graphs."})
    static final class Merge implements Callable<Integer> {
      enum Format { json, dot, mermaid }

      @Spec
      CommandSpec spec;

      @Parameters(arity = "1..*", paramLabel = "FILE", description = "Graph files (lanyard-graph/1 JSON).")
      List<Path> files;

      @Option(names = "--format", paramLabel = "json|dot|mermaid", defaultValue = "json",
          description = "Output format (default json).")
      Format format;

      @Option(names = "--out", paramLabel = "FILE", description = "Write here (a new file) instead of stdout.")
      @Nullable Path out;

      @Override
      public Integer call() {
        GraphSnapshot merged = readGraphs(files);
        String text;
        switch (format) {
          case dot:
            text = merged.toDot();
            break;
          case mermaid:
            text = merged.toMermaid();
            break;
          default:
            text = merged.toJson() + "\n";
        }
        if (out == null) {
          spec.commandLine().getOut().print(text);
          spec.commandLine().getOut().flush();
        } else {
          CliFiles.writeNew(List.of(new CliFiles.NewFile(out, text.getBytes(StandardCharsets.UTF_8), false)));
          spec.commandLine().getOut().println("{\"out\":" + dev.lanyard.internal.Json.quote(out.toString())
              + ",\"format\":\"" + format + "\",\"graphs\":" + files.size() + ",\"nodes\":" + merged.nodes().size()
              + ",\"edges\":" + merged.edges().size() + ",\"overflow\":" + merged.overflow() + "}");
          spec.commandLine().getOut().flush();
        }
        return 0;
      }
    }
  }

  /** {@code lanyard policy}. */
  @Command(name = "policy", mixinStandardHelpOptions = true, description = "Review policies.",
      subcommands = {PolicyCommand.Review.class})
  static final class PolicyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: review");
    }

    /** {@code lanyard policy review}. */
    @Command(name = "review", mixinStandardHelpOptions = true,
        description = {"Least-privilege review of a policy against observed graphs.",
            "Exit 0 with the findings, 2 for usage errors and unreadable or invalid input."})
    static final class Review implements Callable<Integer> {
      @Spec
      CommandSpec spec;

      @Option(names = "--policy", required = true, paramLabel = "FILE", description = "The policy file.")
      Path policy;

      @Option(names = "--graph", required = true, paramLabel = "FILE",
          description = "A graph file (lanyard-graph/1); repeat to merge several.")
      List<Path> graphs;

      @Option(names = "--json", description = "Print one JSON object instead of text lines.")
      boolean json;

      @Override
      public Integer call() {
        CliFiles.read(policy, "policy", MAX_INPUT);
        Policy parsed;
        try {
          parsed = Policy.parse(policy);
        } catch (PolicyException e) {
          throw new CliException("policy " + policy + " is invalid: " + e.getMessage());
        }
        print(spec, PolicyReview.review(parsed, readGraphs(graphs)), json, "policy review of " + policy);
        return 0;
      }
    }
  }

  /** {@code lanyard inventory}. */
  @Command(name = "inventory", mixinStandardHelpOptions = true, description = "Report on the identity inventory.",
      subcommands = {InventoryCommand.Report.class})
  static final class InventoryCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: report");
    }

    /** {@code lanyard inventory report}. */
    @Command(name = "report", mixinStandardHelpOptions = true,
        description = {"IDs without an owner, TTLs above policy, IDs seen in graphs but not listed, deploy-only "
            + "callers.", "Exit 0 with the findings, 2 for usage errors and unreadable or invalid input."})
    static final class Report implements Callable<Integer> {
      @Spec
      CommandSpec spec;

      @Option(names = "--inventory", required = true, paramLabel = "FILE",
          description = "The inventory (lanyard-inventory/1 JSON).")
      Path inventory;

      @Option(names = "--graph", paramLabel = "FILE", description = "A graph file; repeat for more.")
      List<Path> graphs = new ArrayList<>();

      @Option(names = "--max-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
          description = "The policy maximum TTL (default: the inventory's maxTtl, else 24h).")
      @Nullable Duration maxTtl;

      @Option(names = "--json", description = "Print one JSON object instead of text lines.")
      boolean json;

      @Override
      public Integer call() {
        CliFiles.read(inventory, "inventory", MAX_INPUT);
        Inventory parsed;
        try {
          parsed = Inventory.read(inventory);
        } catch (InventoryException e) {
          throw new CliException("inventory " + inventory + " is invalid: " + e.getMessage());
        }
        List<GraphSnapshot> snapshots = new ArrayList<>();
        for (Path g : graphs) {
          snapshots.add(readGraph(g));
        }
        Duration max = maxTtl != null ? maxTtl : parsed.maxTtl().orElse(Duration.ofHours(24));
        print(spec, InventoryReport.report(parsed, snapshots, max), json, "inventory report of " + inventory);
        return 0;
      }
    }
  }
}
