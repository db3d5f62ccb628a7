// Integration tests wait on real NATS and Postgres; a slow CI machine must not fail them.
jest.setTimeout(60_000);
