/// The OpenAPI 3.1 document served at `/openapi.json`. Keep it true to the routes: a test
/// checks that every registered route is described here and every path here is registered.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Sopz help desk API",
            "version": "1.0.0",
            "description": "Commands are accepted with 202 once RabbitMQ confirmed them durably; reads come from PostgreSQL. Errors are RFC 9457 problem documents."
          },
          "servers": [{"url": "https://localhost:8443"}],
          "security": [{"bearer": []}],
          "paths": {
            "/api/v1/tickets": {
              "post": {
                "summary": "Open a ticket (clients)",
                "operationId": "createTicket",
                "x-roles": ["client"],
                "parameters": [
                  {"$ref": "#/components/parameters/IdempotencyKey"},
                  {"$ref": "#/components/parameters/Prefer"}
                ],
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTicket"}}}
                },
                "responses": {
                  "201": {"description": "Created (only with Prefer: wait)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}, "links": {"ticket": {"operationId": "getTicket", "parameters": {"id": "$response.body#/id"}}}},
                  "202": {"description": "Accepted: durable in RabbitMQ, applied shortly (the ticket exists once its command is done)", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}}, "links": {"command": {"operationId": "getCommand", "parameters": {"id": "$response.body#/commandId"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "429": {"description": "Too many commands from this user", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/tickets/{id}": {
              "get": {
                "summary": "One ticket (owner, administrators, managers)",
                "operationId": "getTicket",
                "x-roles": ["administrator", "client", "manager"],
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "responses": {
                  "200": {"description": "The ticket", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ticket"}}}},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/commands/{id}": {
              "get": {
                "summary": "The outcome of a command (its issuer only)",
                "operationId": "getCommand",
                "x-roles": ["administrator", "client", "manager"],
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "responses": {
                  "200": {"description": "accepted, done or rejected", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandStatus"}}}},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/administrators": {
              "get": {
                "summary": "Administrators with availability and current load, by name (managers)",
                "operationId": "listAdministrators",
                "x-roles": ["manager"],
                "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}],
                "responses": {
                  "200": {"description": "One page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdministratorPage"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/healthz": {"get": {"summary": "The process is alive", "security": [], "responses": {"200": {"description": "alive"}}}},
            "/readyz": {"get": {"summary": "RabbitMQ and PostgreSQL are reachable", "security": [], "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "security": [], "responses": {"200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "parameters": {
              "Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
              "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false, "description": "Repeating a request with the same key returns the first command; reusing the key for a different request is refused with 422 (idempotency-key-reused)", "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\u0021-\\u007e]{1,255}$"}},
              "Limit": {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
              "Cursor": {"name": "cursor", "in": "query", "required": false, "description": "nextCursor of the previous page, exactly as it was handed out (any other value is refused with 400)", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,1024}$"}},
              "Prefer": {"name": "Prefer", "in": "header", "required": false, "description": "wait=N (N ≤ 10 seconds)", "schema": {"type": "string"}}
            },
            "responses": {
              "Problem": {"description": "RFC 9457 problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
            "schemas": {
              "NewTicket": {
                "type": "object",
                "additionalProperties": false,
                "required": ["title", "description"],
                "properties": {
                  "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028-\\u2029\\u202f\\u205f\\u3000\\ufeff]", "description": "Not only blanks; lengths count code points"},
                  "description": {"type": "string", "minLength": 1, "maxLength": 10000, "pattern": "[^\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028-\\u2029\\u202f\\u205f\\u3000\\ufeff]", "description": "Not only blanks"},
                  "category": {"type": "string", "minLength": 1, "maxLength": 64},
                  "refund": {"$ref": "#/components/schemas/Refund"}
                }
              },
              "Refund": {
                "type": "object",
                "additionalProperties": false,
                "required": ["orderId", "amount", "currency"],
                "properties": {
                  "orderId": {"type": "string", "minLength": 1, "maxLength": 64},
                  "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000, "multipleOf": 0.01},
                  "currency": {"type": "string", "minLength": 3, "maxLength": 3, "pattern": "^[A-Z]{3}$"}
                }
              },
              "Ticket": {
                "type": "object",
                "required": ["id", "ownerId", "ownerName", "title", "description", "status", "createdAt", "updatedAt", "version"],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "ownerId": {"type": "string"},
                  "ownerName": {"type": "string"},
                  "title": {"type": "string"},
                  "description": {"type": "string"},
                  "category": {"type": "string"},
                  "refund": {"$ref": "#/components/schemas/Refund"},
                  "status": {"type": "string", "enum": ["new", "assigned", "in_progress", "waiting_for_client", "resolved", "closed", "cancelled"]},
                  "assigneeId": {"type": "string"},
                  "createdAt": {"type": "string", "format": "date-time"},
                  "updatedAt": {"type": "string", "format": "date-time"},
                  "version": {"type": "integer"}
                }
              },
              "Administrator": {
                "type": "object",
                "required": ["id", "name", "available", "load", "firstSeenAt", "lastSeenAt"],
                "properties": {
                  "id": {"type": "string"},
                  "name": {"type": "string"},
                  "available": {"type": "boolean"},
                  "load": {"type": "integer", "description": "Tickets assigned, in progress or waiting for the client"},
                  "firstSeenAt": {"type": "string", "format": "date-time"},
                  "lastSeenAt": {"type": "string", "format": "date-time"}
                }
              },
              "AdministratorPage": {
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Administrator"}},
                  "nextCursor": {"type": ["string", "null"]}
                }
              },
              "Accepted": {
                "type": "object",
                "required": ["commandId", "status"],
                "properties": {
                  "commandId": {"type": "string", "format": "uuid"},
                  "status": {"const": "accepted"},
                  "ticketId": {"type": "string", "format": "uuid"}
                }
              },
              "CommandStatus": {
                "type": "object",
                "required": ["commandId", "status"],
                "properties": {
                  "commandId": {"type": "string", "format": "uuid"},
                  "status": {"type": "string", "enum": ["accepted", "done", "rejected"]},
                  "ticketId": {"type": "string", "format": "uuid"},
                  "ticket": {"$ref": "#/components/schemas/Ticket"},
                  "problem": {"$ref": "#/components/schemas/Problem"}
                }
              },
              "Problem": {
                "type": "object",
                "required": ["type", "title", "status"],
                "properties": {
                  "type": {"type": "string", "format": "uri"},
                  "title": {"type": "string"},
                  "status": {"type": "integer"},
                  "detail": {"type": "string"},
                  "violations": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
                }
              }
            }
          }
        }
        """#
}
