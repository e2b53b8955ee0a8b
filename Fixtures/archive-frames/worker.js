// A dedicated worker of the page: its fetch is made in the worker's own target.
fetch('worker.txt?from=page-worker').then(r => r.text()).then(t => postMessage(t.trim()), e => postMessage('failed ' + e));
