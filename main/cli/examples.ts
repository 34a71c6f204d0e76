/**
 * Examples printed under every command's `--help`, written as they run from the project
 * directory (`npx nara` resolves to this project's own bin there).
 */
export const EXAMPLES: Record<string, readonly string[]> = {
  soul: [
    'npx nara soul                      # the identity `nara run` would use here',
    'npx nara soul --name lisa --json   # custom-name mode, as JSON',
    'npx nara soul --host-id ID --macs aa:bb:cc:dd:ee:ff --name lisa --json'
  ],
  verify: [
    'npx nara verify event.json                 # valid / INVALID (reason); exit 0 / 1',
    'cat zine.json | npx nara verify - --public-key B64 --json'
  ],
  run: [
    'npx nara run                               # join the embedded plaza on 127.0.0.1:1883',
    'npx nara run --name lisa --ui 127.0.0.1:8717   # … and serve the dashboard',
    'npx nara run --broker mqtts://host:8883 --mqtt-user U --mqtt-pass P',
    'npx nara run --mesh-listen 127.0.0.2:7433 --transport hybrid'
  ],
  status: [
    'npx nara status                    # name, state, plaza, control socket, dashboard link',
    'npx nara status --name lisa --json'
  ],
  peers: ['npx nara peers', 'npx nara peers --name lisa --json'],
  join: ['npx nara join                      # say hey_there and go online again'],
  leave: ['npx nara leave                     # say chau and go quiet (the node keeps running)']
}
