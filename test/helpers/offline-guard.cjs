// Loaded with --require (NODE_OPTIONS, so Node children load it too): blocks every TCP connection
// and DNS lookup beyond loopback, and appends each attempt to $DATANET_OFFLINE_GUARD_LOG. The
// offline test runs the whole spine under it; this catches code that bypasses the outbound module.
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS */
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const fs = require('node:fs');

const log = process.env.DATANET_OFFLINE_GUARD_LOG;
const loopback = (host) => host === undefined || host === null || host === '' || host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '::ffff:127.0.0.1';
const record = (kind, target) => {
  if (log) fs.appendFileSync(log, `${JSON.stringify({ pid: process.pid, kind, target, at: new Error().stack.split('\n').slice(2, 7).map((l) => l.trim()).join(' < ') })}\n`);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() passes [options, callback] as one normalized array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined && !loopback(options.host)) {
    record('connect', `${options.host}:${options.port}`);
    process.nextTick(() => this.destroy(new Error(`offline guard: blocked a connection to ${options.host}:${options.port}`)));
    return this;
  }
  return connect.apply(this, args);
};

// dns.promises.lookup and the resolvers (which query DNS servers themselves) are blocked outright.
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'resolveSrv', 'resolveMx', 'resolveCname', 'reverse']) {
  dns[name] = (host, ...rest) => {
    record('dns', String(host));
    const cb = rest.at(-1);
    process.nextTick(() => cb(Object.assign(new Error(`offline guard: blocked a DNS query for ${host}`), { code: 'ECONNREFUSED' })));
  };
}
const promisedLookup = dns.promises.lookup;
dns.promises.lookup = async (host, ...rest) => {
  if (!loopback(host)) {
    record('dns', host);
    throw Object.assign(new Error(`offline guard: blocked a DNS lookup of ${host}`), { code: 'ENOTFOUND' });
  }
  return promisedLookup.call(dns.promises, host, ...rest);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(host, ...rest) {
  if (!loopback(host)) {
    record('dns', host);
    const cb = rest.at(-1);
    process.nextTick(() => cb(Object.assign(new Error(`offline guard: blocked a DNS lookup of ${host}`), { code: 'ENOTFOUND' })));
    return {};
  }
  return lookup.call(this, host, ...rest);
};
