package dev.lanyard.examples.ledger;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;

/**
 * {@code spiffe://example.org/ledger}: records payments. It serves HTTPS with the starter's SSL bundle {@code lanyard}
 * (its own X.509-SVID; callers' SVIDs are asked for), and with Spring Security on the class path the starter makes the
 * verified caller the principal: its name is the SPIFFE ID, its authorities {@code SCOPE_<scope>}, so
 * {@code @PreAuthorize} can check both.
 *
 * <p>Thread-safe: a Spring Boot application class.
 */
@SpringBootApplication
@EnableMethodSecurity
public class LedgerApplication {
  /** Starts the service; {@code --server.port=…} and {@code --lanyard.authority.dir=…} override the defaults. */
  public static void main(String[] args) {
    SpringApplication.run(LedgerApplication.class, args);
  }
}
