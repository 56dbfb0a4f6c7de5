// Events to an MQTT broker (npm `mqtt`): each one published as JSON, QoS 1,
// on `<prefix>/<camera>/<type>` (`facever/door/recognized`,
// `facever/door/unknown`). The client reconnects by itself; while the
// broker is away, events wait in the sink's bounded queue.

import mqtt from "mqtt";
import { DeliveryQueue, type EventSink } from "./_events.ts";

/**
 * Connects to the broker at `url` (`mqtt://host:1883`, user and password in
 * the URL where the broker wants them) and resolves to a sink that
 * publishes under `prefix`. It does not wait for the broker: events sent
 * before it answers are published once it does.
 *
 * @example
 * ```ts
 * import { mqttSink } from "./_mqtt.ts";
 * const sink = mqttSink("mqtt://127.0.0.1:1883", "facever");
 * await sink.close(1000);
 * ```
 */
export function mqttSink(url: string, prefix: string): EventSink {
  const client = mqtt.connect(url, {
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
  });
  client.on(
    "error",
    (error) =>
      console.error(JSON.stringify({ sink: "mqtt", error: error.message })),
  );
  const queue = new DeliveryQueue("mqtt", async (event) => {
    await client.publishAsync(
      `${prefix}/${event.camera}/${event.type}`,
      JSON.stringify(event),
      { qos: 1 },
    );
  });
  return {
    send: (event) => queue.push(event),
    close: async (deadlineMs) => {
      const left = await queue.drain(deadlineMs);
      // Undelivered events are given up: forcing the end stops the client
      // from waiting for a broker that is not there.
      await client.endAsync(left > 0);
    },
  };
}
