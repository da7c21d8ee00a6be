// @circly/sdk: types for every Circly collection and custom route, and a
// typed call for each route, on top of the PocketBase JS SDK.
//
// records.gen.ts and routes.gen.ts are generated from the server
// (`go run . sdk-types` in the server's repository); client.ts is written
// by hand over them.

export * from './records.gen.js';
export * from './routes.gen.js';
export * from './client.js';
