// Browser stand-in for `@salesforce/apex/<Class>.<method>`: the imperative call POSTs the
// parameters to the Apex bridge (/apex/<Class>/<method>) and resolves with its JSON, or rejects
// with the shape LWC sees for an AuraHandledException ({ status, body: { message } }). The same
// function is a wire adapter: it emits { data: undefined, error: undefined } first, then the
// bridge's answer, and refreshApex() on any value it emitted fetches again.
const adapters = new WeakMap();

export async function callApex(className, methodName, params) {
    const response = await fetch(`/apex/${className}/${methodName}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(params || {})
    });
    const text = await response.text();
    let body;
    try {
        body = text ? JSON.parse(text) : null;
    } catch (e) {
        body = { message: text };
    }
    if (response.ok) {
        return body;
    }
    throw { status: response.status, statusText: response.statusText, ok: false, headers: {}, body: body && body.body ? body.body : body };
}

function wireAdapterFor(className, methodName) {
    return class ApexWireAdapter {
        constructor(dataCallback) {
            this.dataCallback = dataCallback;
            this.config = undefined;
            this.connected = false;
            this.generation = 0;
        }

        connect() {
            this.connected = true;
            this.emit({ data: undefined, error: undefined });
            if (this.config !== undefined) {
                this.fetch();
            }
        }

        update(config) {
            this.config = config;
            if (this.connected) {
                this.fetch();
            }
        }

        disconnect() {
            this.connected = false;
        }

        emit(value) {
            adapters.set(value, this);
            this.dataCallback(value);
        }

        async fetch() {
            // A newer fetch supersedes an older one still in flight.
            const generation = ++this.generation;
            let value;
            try {
                value = { data: await callApex(className, methodName, this.config), error: undefined };
            } catch (error) {
                value = { data: undefined, error };
            }
            if (this.connected && generation === this.generation) {
                this.emit(value);
            }
        }
    };
}

export function apexMethod(className, methodName) {
    const method = (params) => callApex(className, methodName, params);
    method.adapter = wireAdapterFor(className, methodName);
    return method;
}

export function refreshApex(wiredValue) {
    const adapter = wiredValue && adapters.get(wiredValue);
    return adapter ? adapter.fetch() : Promise.resolve();
}
