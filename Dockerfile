# Closeloop: one static binary. Used by docker-compose.yml for the
# cluster topology; the embedded default needs no container at all.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /closeloop ./cmd/closeloop

FROM gcr.io/distroless/static-debian12
COPY --from=build /closeloop /closeloop
ENV CLOSELOOP_HTTP_ADDR=0.0.0.0:8080 CLOSELOOP_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/closeloop"]
