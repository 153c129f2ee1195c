// nodeapp is a lab workload: one operation, failing as Node.js services do
// (an uncaught error thrown from fs, or an 'error' event from a server).
'use strict';
const fs = require('fs');
const net = require('net');
const [action, arg] = process.argv.slice(2);
switch (action) {
  case 'write':
    fs.writeFileSync(arg, 'ok\n');
    break;
  case 'read':
    fs.readFileSync(arg);
    break;
  case 'listen': {
    const srv = net.createServer();
    srv.listen(Number(arg), '0.0.0.0', () => { console.log(`listening on ${arg}`); setTimeout(() => process.exit(0), 2000); });
    return;
  }
  case 'connect': {
    const [host, port] = [arg.slice(0, arg.lastIndexOf(':')), Number(arg.slice(arg.lastIndexOf(':') + 1))];
    const sock = net.connect({ host, port, timeout: 5000 }, () => { sock.setTimeout(0); console.log(`connected to ${arg}`); sock.end(); });
    sock.on('timeout', () => { console.error(`connect to ${arg} timed out`); process.exit(1); });
    return; // an 'error' event without a listener is thrown
  }
  case 'serve': { // an HTTP server that stays up (V8 compiles its code: a JIT)
    const http = require('http');
    http.createServer((req, res) => res.end('ok\n')).listen(Number(arg), '127.0.0.1', () => console.log(`serving on ${arg}`));
    return;
  }
  case 'stack': { // a JIT-compiled server: its cache first, then its port
    fs.mkdirSync(arg, { recursive: true });
    fs.writeFileSync(arg + '/cache.json', '{}\n');
    const http = require('http');
    http.createServer((req, res) => res.end('ok\n')).listen(Number(process.argv[4]), '0.0.0.0', () => console.log(`serving on ${process.argv[4]}`));
    return;
  }
  case 'exec':
    require('child_process').execFileSync(arg, process.argv.slice(4), { stdio: 'inherit' });
    break;
  default:
    throw new Error('unknown action ' + action);
}
console.log(`${action} ${arg}: ok`);
setTimeout(() => {}, 2000);
