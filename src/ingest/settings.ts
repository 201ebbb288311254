/**
 * What analytics.js fetches from `/v1/projects/:writeKey/settings` before it
 * loads: the Segment.io destination pointed back at this host, and a tracking
 * plan that lets every event through.
 */
export function settingsFor(writeKey: string, requestUrl: URL) {
  return {
    integrations: {
      "Segment.io": {
        apiKey: writeKey,
        apiHost: `${requestUrl.host}/v1`,
        protocol: requestUrl.protocol.replace(":", ""),
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
