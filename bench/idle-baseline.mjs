/**
 * The idle suite's baseline: a bare Node process holding one MQTT connection to the same broker,
 * with the node's client options (`plazaClientOptions`) and subscriptions, given by the suite,
 * doing nothing with what arrives. Plain
 * JavaScript like the probe preloaded into it, so the comparison is the program and nothing else.
 *
 *   node --expose-gc --import ./bench/idle-probe.mjs bench/idle-baseline.mjs <brokerUrl> <client options JSON> <subscriptions JSON>
 */
import mqtt from 'mqtt'

const [brokerUrl, optionsJson, subscriptionsJson] = process.argv.slice(2)
if (!brokerUrl || !optionsJson || !subscriptionsJson) {
  process.stderr.write('usage: idle-baseline.mjs <brokerUrl> <client options JSON> <subscriptions JSON>\n')
  process.exit(2)
}
const client = mqtt.connect(brokerUrl, JSON.parse(optionsJson))
let received = 0
client.on('message', () => received++)
client.on('error', (e) => {
  process.stderr.write(`idle baseline: ${e.message}\n`)
  process.exit(1)
})
client.once('connect', () => void client.subscribeAsync(JSON.parse(subscriptionsJson)))
process.once('SIGTERM', () => {
  void received
  client.end(true, () => process.exit(0))
})
