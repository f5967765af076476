'use strict';
// An HTTP/2 CONNECT server built only on Node's http2 module, used as an interop peer for HboneClientConnection.
// Usage: node connect-server.js <h2c|tls> [certDir]
// Prints "LISTENING <port>" once ready. CONNECT to "reject:1" is answered 503; anything else gets 200 and an echo.
const http2 = require('node:http2');
const fs = require('node:fs');
const path = require('node:path');

const mode = process.argv[2];
let server;
if (mode === 'tls') {
  const dir = process.argv[3];
  server = http2.createSecureServer({
    key: fs.readFileSync(path.join(dir, 'server-key.pem')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
    ca: fs.readFileSync(path.join(dir, 'ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  });
} else {
  server = http2.createServer();
}

server.on('stream', (stream, headers) => {
  if (headers[':method'] !== 'CONNECT') {
    stream.respond({ ':status': 405 }, { endStream: true });
    return;
  }
  if (headers[':authority'] === 'reject:1') {
    stream.respond({ ':status': 503, 'skein-reason': 'node says no' }, { endStream: true });
    return;
  }
  const peerCert = stream.session.socket.getPeerCertificate ? stream.session.socket.getPeerCertificate() : null;
  stream.respond({
    ':status': 200,
    'x-peer': 'node',
    'x-seen-authority': headers[':authority'],
    'x-seen-baggage': headers['baggage'] || '',
    'x-seen-client-cert': peerCert && peerCert.subject ? peerCert.subject.CN : '',
  });
  // Echo until the client half-closes; ending our side then sends END_STREAM back.
  stream.pipe(stream);
  stream.on('error', () => {});
});
server.on('sessionError', () => {});

server.listen(0, '127.0.0.1', () => {
  console.log('LISTENING ' + server.address().port);
});
