package dev.lanyard.spring;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.policy.Challenge;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.servlet.internal.ServletExchanges;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.firewall.HttpStatusRequestRejectedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Answers a request that Spring Security's firewall refused because of its path exactly as {@code LanyardFilter}
 * answers a path not in normal form (400 {@code invalid_request}, no-store, audited as {@code BAD_REQUEST}
 * {@code NON_NORMALIZED_PATH}), so that both adapters refuse path tricks alike whichever of the two sees them first.
 * Any other refusal of the firewall (a bad header, method or host) keeps Spring Security's plain 400.
 */
final class LanyardRequestRejectedHandler implements RequestRejectedHandler {

  private final LanyardInbound inbound;
  private final RequestRejectedHandler otherwise = new HttpStatusRequestRejectedHandler();

  LanyardRequestRejectedHandler(LanyardInbound inbound) {
    this.inbound = inbound;
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response,
      RequestRejectedException rejected) throws IOException, ServletException {
    if (inbound.allowUnnormalizedPaths() || LanyardFilter.hasNormalPath(request) || response.isCommitted()) {
      otherwise.handle(request, response, rejected);
      return;
    }
    inbound.record(inbound.event(AuditEvent.Decision.BAD_REQUEST, request, request.getRequestURI())
        .reason("NON_NORMALIZED_PATH"));
    ServletExchanges.respond(response, Challenge.nonNormalizedPath());
  }
}
