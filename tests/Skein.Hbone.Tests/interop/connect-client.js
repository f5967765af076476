'use strict';
// An HTTP/2 client sending a classic CONNECT with Node's http2 module, used as an interop peer for HboneServerConnection.
// Usage: node connect-client.js <h2c|tls> <port> <authority> <payloadBytes> [certDir]
// Prints one line "RESULT <json>": the response status, whether the echo matched, and how many bytes came back.
const http2 = require('node:http2');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const [mode, port, authority, size, dir] = process.argv.slice(2);
const options = {};
if (mode === 'tls') {
  options.ca = fs.readFileSync(path.join(dir, 'ca.pem'));
  options.cert = fs.readFileSync(path.join(dir, 'client.pem'));
  options.key = fs.readFileSync(path.join(dir, 'client-key.pem'));
  options.minVersion = 'TLSv1.3';
}
const url = (mode === 'tls' ? 'https' : 'http') + '://127.0.0.1:' + port;

function finish(result) {
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(0);
}

const session = http2.connect(url, options);
session.on('error', (e) => finish({ error: String(e) }));

const payload = crypto.randomBytes(Number(size));
const req = session.request({ ':method': 'CONNECT', ':authority': authority, 'baggage': 'k8s.pod.name=node-client' });
const chunks = [];
let status = 0;
let headers = {};
req.on('response', (h) => {
  status = h[':status'];
  headers = h;
  if (status === 200) {
    // Write in pieces so several DATA frames cross, then half-close.
    let offset = 0;
    const writeMore = () => {
      while (offset < payload.length) {
        const piece = payload.subarray(offset, offset + 65536);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once('drain', writeMore);
          return;
        }
      }
      req.end();
    };
    writeMore();
  }
});
req.on('data', (d) => chunks.push(d));
req.on('end', () => {
  const echoed = Buffer.concat(chunks);
  session.close();
  finish({ status, echoed: echoed.length, match: status === 200 ? echoed.equals(payload) : false, reason: headers['skein-reason'] || null });
});
req.on('error', (e) => finish({ status, error: String(e) }));
setTimeout(() => finish({ status, error: 'timeout' }), 30000).unref();
