package dev.lanyard.examples.ledger;

import dev.lanyard.policy.Caller;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The ledger's API. The policy file already admits only payments to write and orders or payments to read, with the
 * scopes; {@code @PreAuthorize} states the same in the code, where a reviewer reads it.
 */
@RestController
class LedgerController {
  private final AtomicLong entries = new AtomicLong();

  @GetMapping("/ready")
  String ready() {
    return "ledger ready";
  }

  @PostMapping("/entries")
  @PreAuthorize("hasAuthority('SCOPE_ledger:write') and authentication.name == 'spiffe://example.org/payments'")
  String record(@RequestParam(name = "amount") String amount, @AuthenticationPrincipal Caller caller) {
    long entry = entries.incrementAndGet();
    return "ledger entry #" + entry + " (" + amount + ") recorded for " + caller.id() + " via "
        + caller.credentialType();
  }

  @GetMapping("/entries")
  @PreAuthorize("hasAuthority('SCOPE_ledger:read')")
  String count(@AuthenticationPrincipal Caller caller) {
    return entries.get() + " entries, read by " + caller.id() + " via " + caller.credentialType();
  }
}
