/**
 * The copy-paste snippet: defines `window.leadflare` as a queue at once, so
 * calls made before sdk.js arrives are kept and replayed by it.
 */
export function snippet(sdkUrl: string, writeKey: string, options: Record<string, unknown> = {}): string {
  return `<script>
!function(){var lf=window.leadflare=window.leadflare||[];if(lf.invoked)return;lf.invoked=!0;
["track","identify","page","group","alias","reset","ready","consent"].forEach(function(m){lf[m]=function(){lf.push([m].concat([].slice.call(arguments)));return lf}});
lf.load=function(key,opts){lf._writeKey=key;lf._options=opts;var s=document.createElement("script");s.async=!0;s.src=${JSON.stringify(sdkUrl)};document.head.appendChild(s)};
lf.load(${JSON.stringify(writeKey)},${JSON.stringify(options)});
}();
</script>`;
}
