/**
 * Turns whatever an Apex call, a wire or a JavaScript error gives us into a flat list of
 * readable messages, so every component shows errors the same way.
 * @param {FetchResponse|FetchResponse[]|Error|string} errors
 * @return {String[]} messages
 */
export function reduceErrors(errors) {
    const list = Array.isArray(errors) ? errors : [errors];
    return (
        list
            .filter((error) => !!error)
            .map((error) => {
                if (typeof error === 'string') {
                    return error;
                }
                // UI API read errors: an array of { message }
                if (Array.isArray(error.body)) {
                    return error.body.map((e) => e.message);
                }
                // Page-level DML errors
                if (error.body?.pageErrors?.length > 0) {
                    return error.body.pageErrors.map((e) => e.message);
                }
                // Field-level DML errors
                if (error.body?.fieldErrors && Object.keys(error.body.fieldErrors).length > 0) {
                    return Object.values(error.body.fieldErrors)
                        .flat()
                        .map((e) => e.message);
                }
                // Apex errors (AuraHandledException) and network errors
                if (typeof error.body?.message === 'string') {
                    return error.body.message;
                }
                if (typeof error.message === 'string') {
                    return error.message;
                }
                return error.statusText || 'Unknown error';
            })
            .flat()
            .filter((message) => !!message)
    );
}
