import { reduceErrors } from 'c/ldsUtils';

describe('c-lds-utils reduceErrors', () => {
    it('reads an Apex AuraHandledException', () => {
        expect(reduceErrors({ body: { message: 'Bad token' }, status: 500 })).toEqual(['Bad token']);
    });

    it('reads UI API, page and field errors', () => {
        expect(reduceErrors({ body: [{ message: 'a' }, { message: 'b' }] })).toEqual(['a', 'b']);
        expect(reduceErrors({ body: { pageErrors: [{ message: 'page' }] } })).toEqual(['page']);
        expect(reduceErrors({ body: { fieldErrors: { Name: [{ message: 'field' }] } } })).toEqual(['field']);
    });

    it('reads JavaScript errors, strings and lists, skipping empties', () => {
        expect(reduceErrors([new Error('boom'), 'text', null, undefined])).toEqual(['boom', 'text']);
        expect(reduceErrors(undefined)).toEqual([]);
        expect(reduceErrors({ statusText: 'Server Error' })).toEqual(['Server Error']);
        expect(reduceErrors({})).toEqual(['Unknown error']);
    });
});
