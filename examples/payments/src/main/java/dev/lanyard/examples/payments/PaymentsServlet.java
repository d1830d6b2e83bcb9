package dev.lanyard.examples.payments;

import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * The payments application. It runs only for requests {@link LanyardFilter} let through: {@code GET /ready} (public)
 * and {@code POST /charge} (orders, scope {@code payments:charge}); the verified caller is the request attribute
 * {@value LanyardFilter#CALLER_ATTRIBUTE}.
 */
final class PaymentsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient LedgerClient ledger;

  PaymentsServlet(LedgerClient ledger) {
    this.ledger = ledger;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    response.setContentType("text/plain;charset=UTF-8");
    String path = request.getRequestURI();
    if ("GET".equals(request.getMethod()) && "/ready".equals(path)) {
      response.getWriter().write("payments ready");
      return;
    }
    if (!"POST".equals(request.getMethod()) || !"/charge".equals(path)) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
      return;
    }
    Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
    String amount = request.getParameter("amount");
    if (caller == null || amount == null || !amount.matches("[0-9]{1,9}(\\.[0-9]{2})?")) {
      response.sendError(HttpServletResponse.SC_BAD_REQUEST);
      return;
    }
    HttpResponse<String> recorded;
    try {
      recorded = ledger.record(amount);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      return;
    } catch (IOException e) {
      response.setStatus(HttpServletResponse.SC_BAD_GATEWAY);
      response.getWriter().write("payments could not reach the ledger: " + e);
      return;
    }
    if (recorded.statusCode() != 200) {
      response.setStatus(HttpServletResponse.SC_BAD_GATEWAY);
      response.getWriter().write("the ledger refused payments: " + recorded.statusCode() + " "
          + recorded.headers().firstValue("WWW-Authenticate").orElse(""));
      return;
    }
    response.getWriter().write("charged " + amount + " for " + caller.id() + " (" + caller.credentialType()
        + "); " + recorded.body());
  }
}
