// Stands in for `tweetnacl` in dist/bcryptWorker.js: bcrypt-pbkdf uses only its SHA-512
// (`lowlevel.crypto_hash(out, message, length)`), which node:crypto provides; the rest of
// tweetnacl (about 30 KB minified) stays out of the package. Anything else throws.
'use strict';
const { createHash } = require('node:crypto');

function crypto_hash(out, message, length) {
  out.set(createHash('sha512').update(message.subarray(0, length)).digest());
  return 0;
}

module.exports = new Proxy(
  { lowlevel: { crypto_hash } },
  {
    get(target, name) {
      if (name in target) return target[name];
      throw new Error(`tweetnacl.${String(name)} left out of the bundle`);
    },
  },
);
