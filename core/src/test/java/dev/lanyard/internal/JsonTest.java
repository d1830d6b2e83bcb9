package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.text.ParseException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "[]", "\"a\"", "1", "null",
      "{", "{\"a\":1", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1}x", "{\"a\":1}{}",
      "{\"a\":1,\"a\":2}", "{\"o\":{\"b\":1,\"b\":1}}", "{\"l\":[{\"c\":1,\"c\":2}]}",
      "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":0x10}",
      "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e400}", "{\"a\":1x}",
      "{\"a\":TRUE}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":nullx}",
      "{\"a\":\"\u0001\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\'\"}", "{\"a\":\"\\u12\"}",
      "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\u\u0661\u0662\u0663\u0664\"}", "{\"a\":\"open}",
      "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}", "{/*c*/\"a\":1}", "{\"a\":1}//c", "{\"a\":1}#",
      "\u00a0{\"a\":1}", "{\"a\":1}\u000b"})
  void parseObjectWhenNotStrictJsonObjectThenParseException(String json) {
    assertThatThrownBy(() -> Json.parseObject(json, 8)).isInstanceOf(ParseException.class);
  }

  @Test
  void parseObjectWhenDeeperThanLimitThenParseExceptionAtTheLimitAccepted() throws Exception {
    assertThat(Json.parseObject("{\"a\":{\"b\":[1]}}", 3)).containsKey("a");
    assertThatThrownBy(() -> Json.parseObject("{\"a\":{\"b\":[1]}}", 2)).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> Json.parseObject("{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", 8))
        .isInstanceOf(ParseException.class);
  }

  @Test
  void parseObjectWhenValidThenTypedValuesInOrder() throws Exception {
    Map<String, Object> m = Json.parseObject(
        " \r\n\t{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\", \"i\":-0, \"l\":9007199254740993,"
            + "\"big\":12345678901234567890, \"d\":1.5E+2, \"e\":-2e-1, \"t\":true, \"f\":false, \"n\":null,"
            + "\"arr\":[1,\"x\",[],{}], \"o\":{}, \"\":\"empty name\"} ", 8);

    assertThat(m.keySet()).containsExactly("s", "i", "l", "big", "d", "e", "t", "f", "n", "arr", "o", "");
    assertThat(m.get("s")).isEqualTo("a\"b\\c/d\b\f\n\r\t\u00e9\uD83D\uDE00");
    assertThat(m.get("i")).isEqualTo(0L);
    assertThat(m.get("l")).isEqualTo(9007199254740993L);
    assertThat(m.get("big")).isEqualTo(1.2345678901234567E19);
    assertThat(m.get("d")).isEqualTo(150.0);
    assertThat(m.get("e")).isEqualTo(-0.2);
    assertThat(m.get("t")).isEqualTo(Boolean.TRUE);
    assertThat(m.get("f")).isEqualTo(Boolean.FALSE);
    assertThat(m).containsEntry("n", null);
    assertThat(m.get("arr")).isEqualTo(List.of(1L, "x", List.of(), Map.of()));
    assertThat(m.get("o")).isEqualTo(Map.of());
  }

  @Test
  void parseObjectWhenLeadingByteOrderMarkOrLoneSurrogateThenAccepted() throws Exception {
    assertThat(Json.parseObject("\ufeff{\"a\":1}", 8)).containsEntry("a", 1L);
    assertThat(Json.parseObject("{\"a\":\"\\uD800\"}", 8)).containsEntry("a", "\uD800");
  }

  @Test
  void quoteWhenControlAndSeparatorCharactersThenEscapedAndReadBack() throws Exception {
    String value = "q\"b\\n\n\u0001\u2028";
    String json = "{\"v\":" + Json.quote(value) + "}";

    assertThat(Json.parseObject(json, 2)).containsEntry("v", value);
  }
}
