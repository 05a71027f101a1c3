// Presence in process, on a clock the test moves.
import { MemoryPresence } from '../../src/adapters/presence/memory-presence.ts'
import { presenceContract } from '../support/presence-contract.ts'

let now = 1_000_000
const store = new MemoryPresence(() => now)

presenceContract(
  'MemoryPresence',
  () => store,
  async () => {
    now += 10
  },
)
