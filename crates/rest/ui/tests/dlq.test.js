// How a dead letter's key and value bytes are shown.

import { test } from "node:test";
import assert from "node:assert/strict";

import { show } from "../pages/dlq.js";

const bytes = (text) => new TextEncoder().encode(text);

test("bytes show as text, as pretty JSON when they parse, and as hex", () => {
  assert.equal(show(bytes("line-1"), "text"), "line-1");
  assert.equal(show(bytes('{"a":1}'), "json"), '{\n  "a": 1\n}');
  assert.equal(show(bytes("line-1"), "json"), "line-1\n(not JSON)");
  assert.equal(show(bytes("li"), "hex"), "6c 69");
  assert.equal(show(null, "hex"), "null");
});
