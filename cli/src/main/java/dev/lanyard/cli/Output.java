package dev.lanyard.cli;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** Writes one JSON object per command on stdout. */
final class Output {
  private Output() {}

  static void json(CommandSpec spec, Map<String, Object> object) {
    spec.commandLine().getOut().println(JSONObjectUtils.toJSONString(object));
    spec.commandLine().getOut().flush();
  }

  /** Writes the verdict on a rejected credential, {@code valid} false with its reason and message. */
  static int rejected(CommandSpec spec, String reason, String message) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("valid", false);
    out.put("reason", reason);
    out.put("message", message);
    json(spec, out);
    return Lanyard.REJECTED;
  }
}
