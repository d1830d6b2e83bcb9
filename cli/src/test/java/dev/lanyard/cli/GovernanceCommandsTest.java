package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lanyard graph merge}, {@code lanyard policy review} and {@code lanyard inventory report}, end to end. */
class GovernanceCommandsTest {
  static final String EDGE = "{\"caller\":\"spiffe://example.org/%s\",\"callee\":\"spiffe://example.org/payments\","
      + "\"rule\":{\"source\":\"policy.txt\",\"line\":1,\"methods\":[\"POST\"],\"path\":\"/charge\"},"
      + "\"calls\":%d,\"allowed\":%d,\"firstSeen\":\"2026-12-05T10:00:00Z\",\"lastSeen\":\"2026-12-05T10:00:00Z\","
      + "\"scopesPresented\":[\"payments:charge\"],\"scopesRequired\":[\"payments:charge\"],"
      + "\"scopesUsed\":[\"payments:charge\"],\"denials\":{%s}}";

  @TempDir
  Path tmp;

  record Result(int code, String out, String err) {}

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Lanyard.run(args, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err),
        Clock.systemUTC());
    assertThat(out + "\n" + err).doesNotContain("\tat ").doesNotContain("Exception");
    return new Result(code, out.toString(), err.toString());
  }

  Path graph(String name, String caller, int calls, int allowed, String denials) throws Exception {
    Path file = tmp.resolve(name);
    Files.writeString(file, "{\"format\":\"lanyard-graph/1\",\"takenAt\":\"2026-12-05T11:00:00Z\",\"overflow\":0,"
        + "\"callees\":[\"spiffe://example.org/payments\"],\"nodes\":[],\"edges\":["
        + String.format(EDGE, caller, calls, allowed, denials) + "]}");
    return file;
  }

  @SuppressWarnings("unchecked")
  @Test
  void graphMergeWhenTwoGraphsThenJsonSumsAndOutFileWritten() throws Exception {
    Path a = graph("a.json", "orders", 3, 2, "\"INSUFFICIENT_SCOPE\":1");
    Path b = graph("b.json", "orders", 4, 4, "");
    Result r = run("graph", "merge", a.toString(), b.toString());
    assertThat(r.code()).isZero();
    Map<String, Object> json = JSONObjectUtils.parse(r.out());
    assertThat(json.get("format")).isEqualTo("lanyard-graph/1");
    Map<String, Object> edge = (Map<String, Object>) ((List<Object>) json.get("edges")).get(0);
    assertThat(edge.get("calls")).isEqualTo(7L);
    assertThat(edge.get("allowed")).isEqualTo(6L);

    Path out = tmp.resolve("estate.dot");
    Result written = run("graph", "merge", a.toString(), b.toString(), "--format", "dot", "--out", out.toString());
    assertThat(written.code()).isZero();
    assertThat(Files.readString(out)).startsWith("digraph lanyard {").contains("7 calls, 1 denied");
    Map<String, Object> summary = JSONObjectUtils.parse(written.out());
    assertThat(summary).containsEntry("format", "dot").containsEntry("edges", 1L).containsEntry("graphs", 2L);
    assertThat(run("graph", "merge", a.toString(), "--format", "mermaid").out()).startsWith("flowchart LR\n");
    // never over an existing file
    Result again = run("graph", "merge", a.toString(), "--out", out.toString());
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("refusing to overwrite");
  }

  @Test
  void graphMergeWhenFileMissingOrInvalidOrFormatUnknownThenExit2NamingIt() throws Exception {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"format\":\"other\"}");
    Result missing = run("graph", "merge", tmp.resolve("nope.json").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.json");
    Result invalid = run("graph", "merge", bad.toString());
    assertThat(invalid.code()).isEqualTo(2);
    assertThat(invalid.err()).contains("bad.json").contains("format");
    assertThat(run("graph", "merge", bad.toString(), "--format", "svg").code()).isEqualTo(2);
    assertThat(run("graph", "merge").code()).isEqualTo(2);
  }

  @SuppressWarnings("unchecked")
  @Test
  void policyReviewWhenJsonThenFindingsWithKindsAndExit0() throws Exception {
    Path policy = tmp.resolve("policy.txt");
    Files.writeString(policy, "POST /charge spiffe://example.org/orders,spiffe://example.org/billing "
        + "payments:charge\nGET /** any\n");
    Path g = graph("g.json", "orders", 3, 2, "\"INSUFFICIENT_SCOPE\":1");
    Result r = run("policy", "review", "--policy", policy.toString(), "--graph", g.toString(), "--json");
    assertThat(r.code()).isZero();
    Map<String, Object> json = JSONObjectUtils.parse(r.out());
    List<Object> findings = (List<Object>) json.get("findings");
    assertThat(findings).extracting(f -> ((Map<String, Object>) f).get("kind")).containsExactly(
        "CALLER_UNSEEN", "BROAD_ANY_CALLER", "BROAD_PATH", "RULE_UNUSED", "DENIED_MISSING_GRANT");
    assertThat(json.get("count")).isEqualTo(5L);
    Result text = run("policy", "review", "--policy", policy.toString(), "--graph", g.toString());
    assertThat(text.code()).isZero();
    assertThat(text.out()).contains("5 findings").contains("CALLER_UNSEEN: ");
    Result badPolicy = run("policy", "review", "--policy", g.toString(), "--graph", g.toString());
    assertThat(badPolicy.code()).isEqualTo(2);
    assertThat(run("policy", "review", "--policy", policy.toString()).code()).isEqualTo(2);
  }

  @SuppressWarnings("unchecked")
  @Test
  void inventoryReportWhenGraphsGivenThenFindingsAndExit0() throws Exception {
    Path inventory = tmp.resolve("inventory.json");
    Files.writeString(inventory, "{\"format\":\"lanyard-inventory/1\",\"maxTtl\":\"1h\",\"identities\":["
        + "{\"id\":\"spiffe://example.org/payments\",\"maxTtl\":\"2h\"},"
        + "{\"id\":\"spiffe://example.org/deployer\",\"owner\":\"platform\",\"deployOnly\":true}]}");
    Path g1 = graph("g1.json", "deployer", 2, 2, "");
    Path g2 = graph("g2.json", "ghost", 1, 1, "");
    Result r = run("inventory", "report", "--inventory", inventory.toString(), "--graph", g1.toString(), "--graph",
        g2.toString(), "--json");
    assertThat(r.code()).isZero();
    List<Object> findings = (List<Object>) JSONObjectUtils.parse(r.out()).get("findings");
    assertThat(findings).extracting(f -> ((Map<String, Object>) f).get("kind") + " "
        + ((Map<String, Object>) f).get("caller")).containsExactly(
        "NO_OWNER spiffe://example.org/payments", "TTL_ABOVE_POLICY spiffe://example.org/payments",
        "DEPLOY_ONLY_CALLER spiffe://example.org/deployer", "UNLISTED_ID spiffe://example.org/ghost");
    Result longer = run("inventory", "report", "--inventory", inventory.toString(), "--max-ttl", "3h", "--json");
    assertThat((List<Object>) JSONObjectUtils.parse(longer.out()).get("findings")).hasSize(1);
    Result invalid = run("inventory", "report", "--inventory", g1.toString());
    assertThat(invalid.code()).isEqualTo(2);
    assertThat(invalid.err()).contains("g1.json");
  }
}
