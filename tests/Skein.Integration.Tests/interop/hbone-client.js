'use strict';
// A foreign HBONE client: Node's own http2 module sends CONNECT (or another method) to a Skein node proxy,
// optionally over TLS with a client certificate, then speaks HTTP/1.1 through the tunnel.
// Usage: node hbone-client.js <host> <port> <authority> <method> <tls|h2c> [certPem keyPem caPem]
// Prints one line: RESULT {"status", "body", "serverId", "error"}.
const http2 = require('node:http2');
const fs = require('node:fs');

const [host, port, authority, method, mode, certPath, keyPath, caPath] = process.argv.slice(2);
const result = { status: 0, body: '', serverId: null, error: null };
const finish = () => { console.log('RESULT ' + JSON.stringify(result)); process.exit(0); };
setTimeout(() => { result.error = result.error || 'timeout'; finish(); }, 8000);

const options = {};
if (mode === 'tls') {
  options.minVersion = 'TLSv1.3';
  options.ALPNProtocols = ['h2'];
  options.ca = fs.readFileSync(caPath);
  if (certPath !== '-') {
    options.cert = fs.readFileSync(certPath);
    options.key = fs.readFileSync(keyPath);
  }
  // HBONE certificates carry a SPIFFE URI SAN, not a DNS name: check the chain (ca above), report the ID.
  options.checkServerIdentity = (_, cert) => {
    const uri = (cert.subjectaltname || '').split(', ').find((s) => s.startsWith('URI:'));
    result.serverId = uri ? uri.slice(4) : null;
    return undefined;
  };
}

const session = http2.connect((mode === 'tls' ? 'https' : 'http') + '://' + host + ':' + port, options);
session.on('error', (e) => { result.error = String(e); finish(); });
const headers = { ':method': method, ':authority': authority };
if (method !== 'CONNECT') { headers[':path'] = '/'; headers[':scheme'] = 'http'; }
const req = session.request(headers);
req.on('error', (e) => { result.error = String(e); finish(); });
req.on('response', (h) => {
  result.status = h[':status'];
  if (result.status !== 200) { req.close(); finish(); return; }
  // No half-close: an HTTP/1.1 server may take the client's FIN for an abort. Connection: close ends the tunnel.
  req.write('GET /through-node HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n');
});
req.on('data', (d) => { result.body += d.toString(); });
req.on('end', finish);
