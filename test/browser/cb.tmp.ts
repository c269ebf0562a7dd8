import { cachedBuild } from './build.ts';
console.log(await cachedBuild());
