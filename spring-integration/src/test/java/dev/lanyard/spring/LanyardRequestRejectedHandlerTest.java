package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.RawResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * The reported dot-segment bypass against a real application on a random port protected by the starter's Spring
 * Security chain: whether Spring Security's firewall or {@code LanyardFilter} sees a path trick first, the answer is
 * the filter's 400 and no controller runs.
 */
@SpringBootTest(classes = LanyardRequestRejectedHandlerTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "lanyard.spiffe-id=spiffe://example.org/hello",
        "lanyard.policy.rules[0]=GET /health public",
        "lanyard.policy.rules[1]=GET /api public",
        "lanyard.policy.rules[2]=GET /admin/** spiffe://example.org/ops",
        "lanyard.policy.rules[3]=GET /api/orders/* spiffe://example.org/ops",
        "lanyard.policy.rules[4]=GET /files/* public"})
class LanyardRequestRejectedHandlerTest {
  @LocalServerPort
  int port;

  @Autowired
  EmbeddedAuthority authority;

  @Autowired
  DotSegmentBypass.Controllers controllers;

  @Autowired
  AuditCounters counters;

  @Test
  void securityChainWhenRawPathNotInNormalFormThenSame400AsFilterAndControllerNeverReached() throws Exception {
    String ops = authority.mint(SpiffeId.parse("spiffe://example.org/ops"), List.of("spiffe://example.org/hello"),
        List.of(), null).token();
    long before = counters.rejected().getOrDefault("BAD_REQUEST", 0L);
    int calls = controllers.total();
    int lanyardAnswers = 0;

    for (String probe : DotSegmentBypass.PROBES) {
      for (String token : new String[] {null, ops}) {
        RawResponse response = RawResponse.get(port, probe, token);
        assertThat(response.status).as("%s -> %s", probe, response).isEqualTo(400);
        if (!response.body.startsWith("<")) {
          assertThat(response.body).as(probe).isEqualTo(DotSegmentBypass.NOT_NORMAL_BODY);
          assertThat(response.headers).as(probe).doesNotContainKey("www-authenticate")
              .containsEntry("cache-control", "no-store");
          lanyardAnswers++;
        }
      }
    }

    assertThat(controllers.total()).as("no controller reached").isEqualTo(calls);
    assertThat(counters.rejected().getOrDefault("BAD_REQUEST", 0L) - before).isEqualTo(lanyardAnswers);
    assertThat(lanyardAnswers).as("all but the probes Tomcat refuses itself").isGreaterThanOrEqualTo(
        DotSegmentBypass.PROBES.length * 2 - 8);
  }

  @Test
  void securityChainWhenPathCleanThenPolicyDecides() throws Exception {
    String ops = authority.mint(SpiffeId.parse("spiffe://example.org/ops"), List.of("spiffe://example.org/hello"),
        List.of(), null).token();

    assertThat(RawResponse.get(port, "/health", null).status).isEqualTo(200);
    assertThat(RawResponse.get(port, "/files/caf%C3%A9%20au%20lait", null).status).isEqualTo(200);
    assertThat(RawResponse.get(port, "/admin/x", null).status).isEqualTo(401);
    assertThat(RawResponse.get(port, "/api/orders/42", null).status).isEqualTo(401);
    assertThat(RawResponse.get(port, "/api/orders/42", ops).status).isEqualTo(200);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(DotSegmentBypass.Controllers.class)
  static class App {
  }
}
