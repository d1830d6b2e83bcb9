package dev.lanyard.readme.payments;

import dev.lanyard.policy.Caller;
import java.security.Principal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

// tag::payments[]
@SpringBootApplication
@EnableMethodSecurity            // only needed for @PreAuthorize
public class PaymentsApplication {
  public static void main(String[] args) {
    SpringApplication.run(PaymentsApplication.class, args);
  }
}

@RestController
class PaymentsController {
  @PostMapping("/charge")        // the policy already demands payments:charge; @PreAuthorize can add more
  String charge(Principal caller) {
    return "charged by " + caller.getName();                  // spiffe://example.org/orders
  }

  @GetMapping("/refunds")
  @PreAuthorize("hasAuthority('SCOPE_payments:refund')")
  String refunds(@AuthenticationPrincipal Caller caller) {    // dev.lanyard.policy.Caller
    return "refunds for " + caller.id() + " via " + caller.credentialType();
  }
}
// end::payments[]
