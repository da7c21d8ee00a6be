# syntax=docker/dockerfile:1
# Circly: one static binary with embedded SQLite (modernc, no cgo).
FROM golang:1.26-bookworm AS build
ENV GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags "-s -w" -o /out/circly . \
 && mkdir -p /out/pb_data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/circly /circly
COPY --from=build --chown=nonroot:nonroot /out/pb_data /pb_data
USER nonroot:nonroot
VOLUME /pb_data
EXPOSE 8090
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/circly", "healthcheck", "--url", "http://127.0.0.1:8090/api/health"]
ENTRYPOINT ["/circly"]
CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/pb_data"]
