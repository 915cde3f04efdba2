import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressGroup } from '../../src/core/auth/address-group.js';

describe('the source a failed login is counted against', () => {
  it('is an IPv4 address itself, also when it arrives IPv4-mapped', () => {
    assert.equal(addressGroup('203.0.113.9'), '203.0.113.9');
    assert.equal(addressGroup('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(addressGroup('::FFFF:198.51.100.7'), '198.51.100.7');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const group = '2001:db8:1:2::/64';
    assert.equal(addressGroup('2001:db8:1:2::a'), group);
    assert.equal(addressGroup('2001:0db8:0001:0002:ffff:1:2:3'), group);
    assert.equal(addressGroup('2001:DB8:1:2:0:0:0:1'), group);
    assert.equal(addressGroup('2001:db8:1:2::1%eth0'), group);
    assert.notEqual(addressGroup('2001:db8:1:3::a'), group);
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
    assert.equal(addressGroup('fe80::'), 'fe80:0:0:0::/64');
  });

  it('is whatever it was given when that is no address', () => {
    assert.equal(addressGroup('not-an-address'), 'not-an-address');
    assert.equal(addressGroup('1:2:3'), '1:2:3');
    assert.equal(addressGroup('1::2::3'), '1::2::3');
  });
});
