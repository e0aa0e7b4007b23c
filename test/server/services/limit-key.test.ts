import assert from "node:assert/strict";
import { test } from "node:test";
import { limitKey } from "../../../src/server/services/limit-key.ts";

const key = (address: string) => limitKey(address, 64);

test("an IPv4 address is its own key", () => {
  assert.equal(key("203.0.113.7"), "203.0.113.7");
});

test("an IPv4-mapped IPv6 address counts as its IPv4 address", () => {
  assert.equal(key("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(key("::FFFF:cb00:7107"), "203.0.113.7");
  assert.equal(key("0:0:0:0:0:ffff:203.0.113.7"), "203.0.113.7");
});

// Outside review (review12): behind a stateless NAT64 (SIIT-DC) every IPv4 client arrives in 64:ff9b::/96, whose
// /64 was one key for all of them: one client's logins used up everyone's rate limit.
test("a NAT64 well-known-prefix address counts as the IPv4 address it embeds", () => {
  assert.equal(key("64:ff9b::203.0.113.7"), "203.0.113.7");
  assert.equal(key("64:FF9B::cb00:7107"), "203.0.113.7");
  assert.notEqual(key("64:ff9b::203.0.113.7"), key("64:ff9b::198.51.100.1"));
});

test("an IPv6 address is keyed on its /64", () => {
  assert.equal(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
});

test("two addresses of one /64 share a key, a neighbouring /64 does not", () => {
  assert.equal(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  assert.notEqual(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
});

test("zero compression, leading zeros and letter case do not change the key", () => {
  const spellings = [
    "2001:db8:0:a::1",
    "2001:0db8:0000:000a:0000:0000:0000:0001",
    "2001:DB8:0:A::1",
    "2001:db8::a:0:0:0:1",
  ];
  assert.deepEqual(new Set(spellings.map(key)), new Set(["2001:db8:0:a::/64"]));
});

test("a zone id does not change the key", () => {
  assert.equal(key("fe80::1%eth0"), key("fe80::1"));
  assert.equal(key("fe80::1%eth0"), "fe80:0:0:0::/64");
});

test("an IPv6 address with a dotted tail that is not IPv4-mapped is keyed on its /64", () => {
  assert.equal(key("2001:db8:1:2::192.0.2.1"), "2001:db8:1:2::/64");
});

test("the prefix length cuts inside a group and at the whole address", () => {
  assert.equal(limitKey("2001:db8:1:2ff::1", 56), "2001:db8:1:200::/56");
  assert.equal(limitKey("2001:db8::1", 128), "2001:db8:0:0:0:0:0:1/128");
  assert.equal(limitKey("2001:db8:ffff::1", 32), "2001:db8::/32");
});

test("what is not an IP address is kept as it is", () => {
  for (const text of [
    "",
    "unknown",
    "203.0.113.7:443",
    "01.2.3.4",
    "2001:db8::1::2",
    "[2001:db8::1]",
    "2001:db8::g",
  ])
    assert.equal(key(text), text);
});

test("no address at all (the socket closed before request.ip was read) is kept as it is", () => {
  const gone = undefined as unknown as string;
  assert.equal(key(gone), gone);
});
