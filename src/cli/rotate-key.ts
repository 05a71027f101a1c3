// `npm run keys:rotate`: adds a new signing key to DATA_DIR/keys. After a restart of every instance it signs
// new tokens; the older keys keep verifying. Delete an old key file once ACCESS_TOKEN_TTL has passed since
// the restart. (With JWT_PRIVATE_KEYS, put the new key first in that set instead.)
import { addKeyFile } from '../auth/keys.ts'
import { ConfigError, loadSettings } from '../config.ts'

try {
  const settings = loadSettings()
  if (settings.JWT_PRIVATE_KEYS) {
    console.error('JWT_PRIVATE_KEYS is set: rotate by adding the new key first in that JWK set.')
    process.exitCode = 1
  } else {
    const { kid, path } = await addKeyFile(settings.DATA_DIR)
    console.log(`New signing key ${kid} in ${path}. Restart the server to sign with it.`)
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exitCode = 1
}
