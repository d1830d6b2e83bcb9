package dev.lanyard.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal request and response stand-ins for testing the filter's pieces as plain functions (the whole filter is
 * tested in a real Tomcat). Only the methods those pieces call are answered; any other call fails the test.
 */
final class ServletFakes {
  private ServletFakes() {}

  /** A request with these Authorization header values and this client-certificate attribute. */
  static HttpServletRequest request(List<String> authorization, Object certificateAttribute) {
    return (HttpServletRequest) Proxy.newProxyInstance(ServletFakes.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "getHeaders":
              return "Authorization".equalsIgnoreCase((String) args[0])
                  ? Collections.enumeration(authorization) : Collections.emptyEnumeration();
            case "getAttribute":
              return CredentialResolver.CLIENT_CERTIFICATE_ATTRIBUTE.equals(args[0]) ? certificateAttribute : null;
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
  }

  /** A response that records what is written to it. */
  static final class Response {
    int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    String contentType;
    int contentLength = -1;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    final HttpServletResponse servlet = (HttpServletResponse) Proxy.newProxyInstance(
        ServletFakes.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "resetBuffer":
            case "setCharacterEncoding":
              return null;
            case "setStatus":
              status = (Integer) args[0];
              return null;
            case "setHeader":
              headers.put((String) args[0], (String) args[1]);
              return null;
            case "setContentType":
              contentType = (String) args[0];
              return null;
            case "setContentLength":
              contentLength = (Integer) args[0];
              return null;
            case "getOutputStream":
              return new ServletOutputStream() {
                @Override
                public void write(int b) {
                  body.write(b);
                }

                @Override
                public boolean isReady() {
                  return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {}
              };
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });

    String body() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }
}
